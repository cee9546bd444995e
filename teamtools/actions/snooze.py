"""Snooze: a conversation waits (pending) until a time, then reopens by itself.

``do_snooze`` sets it pending with ``snoozed_until``; beat runs ``wake_due`` (task
``teamtools.tasks.wake_snoozed``), which reopens every conversation whose time has come. Any
other way out of pending (the customer writing, an agent reopening or resolving) ends the
snooze (``conversations.actions.conversations.do_set_status`` clears it).
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from conversations import errors
from conversations.actions.actor import Actor
from conversations.actions.conversations import do_set_status, lock
from conversations.events import Audience, EventType, publish
from conversations.models import Conversation
from conversations.snapshots import conversation_snapshot, iso

S = Conversation.Status
MAX_AHEAD = timedelta(days=366)
WAKE_BATCH = 200


def do_snooze(conv: Conversation, until: datetime, *, actor: Actor) -> Conversation:
    """Pending until ``until`` (in the future, within a year). An open conversation becomes
    pending; a pending one gets the new time; resolved and closed ones are refused."""
    if not isinstance(until, datetime) or until.tzinfo is None:
        raise errors.ValidationFailed("until must be a time with its time zone.", field="until")
    now = timezone.now()
    if until <= now:
        raise errors.ValidationFailed("until must be in the future.", field="until")
    if until - now > MAX_AHEAD:
        raise errors.ValidationFailed("until must be within a year.", field="until")
    with transaction.atomic():
        try:
            conv = lock(conv)
        except Conversation.DoesNotExist:
            raise errors.ConversationNotFound("Conversation not found.") from None
        if conv.status == S.OPEN:
            conv = do_set_status(conv, S.PENDING, actor=actor)
        elif conv.status != S.PENDING:
            raise errors.InvalidTransition(
                f"A {conv.status} conversation cannot be snoozed; reopen it first.",
                current_status=conv.status,
                requested_status=S.PENDING,
            )
        conv.snoozed_until = until
        conv.save(update_fields=["snoozed_until", "updated_at"])
        publish(
            EventType.CONVERSATION_SNOOZED,
            business=conv.business,
            audience=Audience.of_conversation(conv),
            data={
                "conversation": conversation_snapshot(conv),
                "until": iso(until) or "",
                "actor": actor.snapshot(),
            },
        )
    return conv


def wake_due(now: datetime | None = None) -> int:
    """Reopen the snoozed conversations whose time has come; returns how many."""
    now = now or timezone.now()
    woken = 0
    due = Conversation.objects.filter(status=S.PENDING, snoozed_until__lte=now).order_by(
        "snoozed_until", "id"
    )
    for conv in due.select_related("business")[:WAKE_BATCH]:
        try:
            do_set_status(conv, S.OPEN, actor=Actor.system(), only_from={S.PENDING})
            woken += 1
        except errors.DomainError:
            continue  # changed meanwhile (a customer wrote, an agent reopened)
    return woken
