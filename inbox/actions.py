"""State changes of the inbox itself: how far each agent has read each conversation."""

from django.db import transaction
from django.db.models import Max

from conversations import actions, errors
from conversations.access import agent_can_see
from conversations.actions import Actor
from conversations.events import Audience, EventType, WidgetScope, publish_ephemeral
from conversations.models import Agent, AgentPreferences, AgentReadState, Conversation, Message


def do_mark_conversation_read(agent: Agent, conv: Conversation, up_to_id: int | None = None):
    """The agent read ``conv`` up to ``up_to_id`` (default: its newest message).

    Moves the agent's own read mark forward only (a late request from an older tab never
    makes read messages unread again) and marks the customer's messages read for the
    customer (``do_mark_read``: the widget's "read" receipts). Returns those receipts.
    """
    if not agent_can_see(agent, conv):
        raise errors.ConversationNotFound("Conversation not found.")
    newest = Message.objects.filter(conversation=conv).aggregate(m=Max("pk"))["m"] or 0
    target = newest if up_to_id is None else min(up_to_id, newest)
    with transaction.atomic():
        state, created = AgentReadState.objects.get_or_create(
            agent=agent, conversation=conv, defaults={"last_read_message_id": target}
        )
        if not created and state.last_read_message_id < target:
            AgentReadState.objects.filter(pk=state.pk, last_read_message_id__lt=target).update(
                last_read_message_id=target
            )
        receipts = actions.do_mark_read(conv, reader="agent", up_to_id=up_to_id)
    return receipts


__all__ = ["do_mark_conversation_read"]


def do_set_viewing(agent: Agent, conv: Conversation, is_viewing: bool) -> None:
    """The agent opened (or left) ``conv`` in the inbox: colleagues who may see it are told.

    Ephemeral (never stored), staff only: the customer's widget never hears of it.
    """
    if not isinstance(is_viewing, bool):
        raise errors.ValidationFailed("is_viewing must be true or false.", field="is_viewing")
    if not agent_can_see(agent, conv):
        raise errors.ConversationNotFound("Conversation not found.")
    publish_ephemeral(
        EventType.VIEWING,
        business=conv.business,
        audience=Audience.of_conversation(conv, widgets=WidgetScope.NONE),
        data={
            "conversation_id": conv.pk,
            "agent_id": agent.pk,
            "name": agent.display_name,
            "is_viewing": is_viewing,
            "actor": Actor.of_agent(agent).snapshot(),
        },
    )


def do_set_preferences(agent: Agent, **choices: bool) -> AgentPreferences:
    """Save the agent's notification choices (only the known boolean fields)."""
    allowed = set(AgentPreferences.CHANNELS) | set(AgentPreferences.EVENTS)
    unknown = set(choices) - allowed
    if unknown or not all(isinstance(v, bool) for v in choices.values()):
        raise errors.ValidationFailed(f"Unknown preferences: {', '.join(sorted(unknown))}.")
    prefs, _ = AgentPreferences.objects.update_or_create(agent=agent, defaults=choices)
    return prefs


def preferences_of(agent: Agent) -> AgentPreferences:
    """The agent's preferences (defaults when never saved; nothing is written)."""
    return AgentPreferences.objects.filter(agent=agent).first() or AgentPreferences(agent=agent)
