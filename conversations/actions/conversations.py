"""Conversation lifecycle: status transitions, assignment, handoff, AI toggle (starting one,
with its opening message, is ``conversations.actions.start``).

Status rules (seed "conversations"): new conversations start ``open``; ``resolve`` records
``resolved_at``; ``close`` records ``closed_at``; resolved or closed conversations reopen to
``open``. Only an open conversation can be set ``pending``; open and pending ones can be
resolved; any but a closed one can be closed. Setting a status a conversation already has is
refused, so a caller learns its view was stale.
"""

from django.db import transaction
from django.utils import timezone

from conversations import errors
from conversations.actions.actor import Actor
from conversations.events import Audience, EventType, WidgetScope, publish
from conversations.models import Agent, Conversation
from conversations.snapshots import agent_snapshot, conversation_snapshot

S = Conversation.Status

# target status -> statuses it may be reached from
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    S.OPEN: {S.PENDING, S.RESOLVED, S.CLOSED},
    S.PENDING: {S.OPEN},
    S.RESOLVED: {S.OPEN, S.PENDING},
    S.CLOSED: {S.OPEN, S.PENDING, S.RESOLVED},
}


def lock(conv: Conversation) -> Conversation:
    """Re-read a conversation under a row lock inside the current transaction."""
    return (
        Conversation.objects.select_for_update(of=("self",))
        # "rating" (csat's one-to-one): the event snapshot carries it.
        .select_related("customer", "assignee__user", "business", "rating")
        .get(pk=conv.pk)
    )


def do_set_status(
    conv: Conversation, status: str, *, actor: Actor, only_from: set[str] | None = None
) -> Conversation:
    """Move to ``status`` if the rules allow it (and, when given, only from ``only_from``)."""
    if status not in S.values:
        raise errors.ValidationFailed(
            f"Unknown status {status!r}; expected one of {', '.join(S.values)}.", field="status"
        )
    with transaction.atomic():
        conv = lock(conv)
        previous = conv.status
        if only_from is not None and previous not in only_from:
            raise errors.InvalidTransition(
                f"Only {' or '.join(sorted(only_from))} conversations can become {status}; "
                f"this one is {previous}.",
                current_status=previous,
                requested_status=status,
            )
        if previous == status or previous not in ALLOWED_TRANSITIONS[status]:
            raise errors.InvalidTransition(
                f"A {previous} conversation cannot become {status}.",
                current_status=previous,
                requested_status=status,
            )
        now = timezone.now()
        conv.status = status
        if status != S.PENDING:
            conv.snoozed_until = None  # a snooze ends when the conversation leaves pending
        if status in (S.RESOLVED, S.CLOSED):
            conv.needs_human_handoff = False  # done: nobody is waiting for a person any more
        if status == S.RESOLVED:
            conv.resolved_at = now
        elif status == S.CLOSED:
            conv.closed_at = now
        elif status == S.OPEN:
            # Reopened: the conversation is live again; the old timestamps stay as history
            # of when it was last resolved/closed.
            pass
        conv.last_activity_at = now
        conv.save()
        publish(
            EventType.CONVERSATION_STATUS_CHANGED,
            business=conv.business,
            audience=Audience.of_conversation(conv),
            data={
                "conversation": conversation_snapshot(conv),
                "previous_status": previous,
                "status": status,
                "actor": actor.snapshot(),
                "csat_requested": status == S.RESOLVED and conv.business.csat_enabled,
            },
        )
    return conv


def do_resolve(conv: Conversation, *, actor: Actor) -> Conversation:
    return do_set_status(conv, S.RESOLVED, actor=actor)


def do_close(conv: Conversation, *, actor: Actor) -> Conversation:
    return do_set_status(conv, S.CLOSED, actor=actor)


def do_reopen(conv: Conversation, *, actor: Actor) -> Conversation:
    """Resolved or closed back to open (a pending conversation resumes with set_status)."""
    return do_set_status(conv, S.OPEN, actor=actor, only_from={S.RESOLVED, S.CLOSED})


def do_set_pending(conv: Conversation, *, actor: Actor) -> Conversation:
    return do_set_status(conv, S.PENDING, actor=actor)


def do_assign(conv: Conversation, assignee: Agent | None, *, actor: Actor) -> Conversation:
    """Assign to an agent of the same business, or unassign with ``None``.

    An assignment is also a human taking over: it clears a pending handoff request.
    """
    if assignee is not None and assignee.business_id != conv.business_id:
        raise errors.AgentNotFound("Agent not found.")
    with transaction.atomic():
        conv = lock(conv)
        previous = conv.assignee
        if (previous.pk if previous else None) == (assignee.pk if assignee else None):
            return conv
        conv.assignee = assignee
        conv.assigned_at = timezone.now() if assignee else None
        handoff_cleared = assignee is not None and conv.needs_human_handoff
        if handoff_cleared:
            conv.needs_human_handoff = False
        conv.save()
        publish(
            EventType.CONVERSATION_ASSIGNED,
            business=conv.business,
            audience=Audience.of_conversation(
                conv, previous_assignees=(previous.pk if previous else None,)
            ),
            data={
                "conversation": conversation_snapshot(conv),
                "assignee": agent_snapshot(assignee),
                "previous_assignee": agent_snapshot(previous),
                "actor": actor.snapshot(),
                "handoff_cleared": handoff_cleared,
            },
        )
    return conv


def do_request_handoff(conv: Conversation, *, reason: str = "", actor: Actor) -> Conversation:
    """Flag for a human (Pending Handoffs). The AI keeps answering until an agent takes over."""
    reason = (reason or "")[:200]
    with transaction.atomic():
        conv = lock(conv)
        if conv.needs_human_handoff:
            return conv
        conv.needs_human_handoff = True
        conv.handoff_reason = reason
        conv.handoff_requested_at = timezone.now()
        conv.save()
        publish(
            EventType.CONVERSATION_HANDOFF_REQUESTED,
            business=conv.business,
            audience=Audience.of_conversation(conv, widgets=WidgetScope.NONE),
            data={
                "conversation": conversation_snapshot(conv),
                "reason": reason,
                "actor": actor.snapshot(),
            },
        )
    return conv


def do_clear_handoff(conv: Conversation, *, actor: Actor) -> Conversation:
    with transaction.atomic():
        conv = lock(conv)
        if not conv.needs_human_handoff:
            return conv
        conv.needs_human_handoff = False
        conv.save()
        publish(
            EventType.CONVERSATION_HANDOFF_CLEARED,
            business=conv.business,
            audience=Audience.of_conversation(conv, widgets=WidgetScope.NONE),
            data={"conversation": conversation_snapshot(conv), "actor": actor.snapshot()},
        )
    return conv


def do_set_ai_enabled(conv: Conversation, enabled: bool, *, actor: Actor) -> Conversation:
    if not isinstance(enabled, bool):
        raise errors.ValidationFailed("enabled must be true or false.", field="enabled")
    with transaction.atomic():
        conv = lock(conv)
        if conv.ai_enabled == enabled:
            return conv
        conv.ai_enabled = enabled
        conv.save()
        publish(
            EventType.CONVERSATION_AI_TOGGLED,
            business=conv.business,
            audience=Audience.of_conversation(conv, widgets=WidgetScope.NONE),
            data={
                "conversation": conversation_snapshot(conv),
                "enabled": enabled,
                "actor": actor.snapshot(),
            },
        )
    return conv
