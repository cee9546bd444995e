"""Private notes: staff-only text inside a conversation, with @mentions that notify colleagues.

A note's event has a staff-only audience (``WidgetScope.NONE``) and every customer-facing
surface declares it ``NOT_ON_THIS_SURFACE``; notes are their own model, so nothing that reads
messages (widget history, channels, the sessions API) can return one.
"""

import re

from django.db import transaction

from conversations import errors
from conversations.actions.actor import Actor
from conversations.actions.conversations import lock
from conversations.actions.messages import validate_content
from conversations.events import Audience, EventType, WidgetScope, publish
from conversations.models import Agent, Conversation
from conversations.snapshots import conversation_snapshot
from conversations.visibility import can_see
from teamtools.models import Note
from teamtools.snapshots import note_snapshot

MENTION = re.compile(r"(?<![\w.])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)", re.UNICODE)


def mention_handles(agent: Agent) -> set[str]:
    """What ``@…`` names an agent: their first name, full name without spaces, email, or the
    email's local part (case-insensitive)."""
    user = agent.user
    handles = {user.email, user.email.split("@")[0], user.first_name, user.get_full_name()}
    return {h.replace(" ", "").lower() for h in handles if h}


def parse_mentions(content: str, team: list[Agent]) -> list[Agent]:
    """The team members ``content`` @mentions, in team order."""
    said = {m.group(1).rstrip(".").lower() for m in MENTION.finditer(content)}
    return [a for a in team if said & mention_handles(a)]


def do_add_note(
    conv: Conversation, *, author: Agent, content, mention_ids: list[int] | None = None
) -> Note:
    """Add a private note by ``author``; ``@name`` in the text (and ``mention_ids``) mention
    colleagues, who are notified. A mentioned colleague must be able to see the conversation
    (``conversations.visibility``): a note never tells anyone about a conversation they may not
    see."""
    content = validate_content(content)
    if author.business_id != conv.business_id:
        raise errors.AgentNotFound("Agent not found.")
    team = list(
        Agent.objects.filter(business_id=conv.business_id, user__is_active=True).select_related(
            "user"
        )
    )
    mentioned = parse_mentions(content, team)
    wanted = set(mention_ids or ())
    by_id = {a.pk: a for a in team}
    unknown = wanted - by_id.keys()
    if unknown:
        raise errors.AgentNotFound("Agent not found.", field="mention_ids")
    mentioned += [by_id[i] for i in sorted(wanted) if by_id[i] not in mentioned]
    with transaction.atomic():
        try:
            conv = lock(conv)
        except Conversation.DoesNotExist:
            raise errors.ConversationNotFound("Conversation not found.") from None
        if not can_see(author.pk, author.is_manager, conv.assignee_id):
            raise errors.ConversationNotFound("Conversation not found.")
        blind = [a for a in mentioned if not can_see(a.pk, a.is_manager, conv.assignee_id)]
        if blind:
            names = ", ".join(a.display_name for a in blind)
            raise errors.ValidationFailed(
                f"{names} cannot see this conversation, so cannot be mentioned in it: "
                "assign it to them or mention a manager.",
                code="MENTION_NOT_VISIBLE",
                field="mention_ids",
            )
        note = Note.objects.create(
            business_id=conv.business_id, conversation=conv, author=author, content=content
        )
        mentions = [a for a in mentioned if a.pk != author.pk]
        note.mentions.set(mentions)
        publish(
            EventType.NOTE_CREATED,
            business=conv.business,
            # Staff only: the conversation's own customer is not in the audience.
            audience=Audience.of_conversation(conv, widgets=WidgetScope.NONE),
            data={
                "note": note_snapshot(note, mentions),
                "conversation": conversation_snapshot(conv),
                "actor": Actor.of_agent(author).snapshot(),
            },
        )
    return note
