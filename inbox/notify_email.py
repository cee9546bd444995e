"""Email notifications for agents with no inbox open (a ``background`` event subscriber).

The same four events as the inbox's sound and desktop notifications, each an agent preference
(``AgentPreferences``): a new conversation, a customer message in a conversation assigned to
me, an assignment to me, a handoff request; and an @mention in a private note (teamtools).
Sent only when the agent has no open inbox connection (``conversations.presence``), through
``pingback.email.send_email``
(``EMAIL_URL``: the console by default, SMTP when configured), on the pipeline's background
pool: never in the thread that committed the change.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings

from conversations import presence
from conversations.events import EventType
from conversations.models import Agent, AgentPreferences
from pingback.email import send_email

logger = logging.getLogger(__name__)


# The events that may notify someone by email (_wanted).
TRIGGERS = (
    EventType.CONVERSATION_CREATED,
    EventType.MESSAGE_CREATED,
    EventType.CONVERSATION_ASSIGNED,
    EventType.NOTE_CREATED,
    EventType.CONVERSATION_HANDOFF_REQUESTED,
)


def _wanted(event) -> tuple[str, list[Agent], str, str] | None:
    """(preference field, candidate agents, subject, body) for an event, or None."""
    d = event.data
    conv = d.get("conversation") or {}
    who = (conv.get("customer") or {}).get("name") or "A customer"
    audience = event.audience
    members = Agent.objects.filter(business_id=event.business_id, user__is_active=True)
    members = members.select_related("user")

    def visible():
        return [a for a in members if audience.allows_agent(a.pk, event.business_id, a.is_manager)]

    if event.type == EventType.CONVERSATION_CREATED:
        return (
            "on_new_conversation",
            visible(),
            f"New conversation from {who}",
            f"{who} started a conversation:\n\n{conv.get('first_message_text') or ''}",
        )
    if event.type == EventType.MESSAGE_CREATED:
        message = d["message"]
        assignee = conv.get("assignee")
        if message["sender_type"] != "customer" or not assignee:
            return None
        return (
            "on_message_assigned",
            [a for a in members if a.pk == assignee["id"]],
            f"New message from {who}",
            f"{who} wrote in a conversation assigned to you:\n\n{message['content']}",
        )
    if event.type == EventType.CONVERSATION_ASSIGNED:
        assignee, actor = d.get("assignee"), d.get("actor") or {}
        if not assignee or (actor.get("type") == "agent" and actor.get("id") == assignee["id"]):
            return None
        return (
            "on_assigned_to_me",
            [a for a in members if a.pk == assignee["id"]],
            f"{who}'s conversation is assigned to you",
            f"{actor.get('name') or 'Someone'} assigned {who}'s conversation to you.",
        )
    if event.type == EventType.NOTE_CREATED:
        # An @mention (teamtools): no event switch of its own, only the email channel's.
        note = d["note"]
        mentioned = {a["id"] for a in note["mentions"]}
        author = (note.get("author") or {}).get("name") or "A colleague"
        return (
            "email",
            [a for a in visible() if a.pk in mentioned],
            f"{author} mentioned you in a note about {who}",
            f"{author} wrote a private note:\n\n{note['content']}",
        )
    if event.type == EventType.CONVERSATION_HANDOFF_REQUESTED:
        return (
            "on_handoff",
            visible(),
            f"{who} asked for a person",
            f"{who} asked to talk to a person ({d.get('reason') or 'handoff'}).",
        )
    return None


def recipients(event) -> list[tuple[Agent, str, str]]:
    wanted = _wanted(event)
    if wanted is None:
        return []
    field, agents, subject, body = wanted
    if not agents:
        return []
    prefs = {p.agent_id: p for p in AgentPreferences.objects.filter(agent__in=agents)}
    now = time.time()
    out = []
    for agent in agents:
        p = prefs.get(agent.pk) or AgentPreferences(agent=agent)
        if not (p.email and getattr(p, field)) or not agent.user.email:
            continue
        if presence.registry().live(agent.pk, now)[0]:
            continue  # an inbox tab is open: the page notifies them
        out.append((agent, subject, body))
    return out


def deliver(event) -> None:
    conv_id = event.conversation_id
    for agent, subject, body in recipients(event):
        link = f"{settings.INBOX_BASE_URL.rstrip('/')}/inbox/c/{conv_id}/" if conv_id else ""
        text = f"{body}\n\n{('Open it: ' + link) if link else ''}\n\n— PingBack\n"
        try:
            send_email(agent.user.email, f"[PingBack] {subject}", text)
        except Exception:
            logger.exception("notification email to agent %s failed", agent.pk)
