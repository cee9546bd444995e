"""The channel outbox: agent replies sent on their channel, never lost, retried, logged.

1. ``queue_outbound`` runs inside the message's transaction (``conversations.actions.messages``
   calls it for a reply on a non-widget conversation): the ``OutboundMessage`` row commits with
   the message or not at all; after commit a task is enqueued.
2. ``deliver`` (the task) claims the row with a conditional UPDATE and a lease, sends once
   through the channel's provider (``customer_channels.providers``; HTTP goes through the
   webhook transport, under a total deadline), records the attempt and schedules a retry
   with backoff (``webhooks.retry.retry_delay``) or gives up.
3. ``sweep`` (beat) re-enqueues rows that are due or whose lease expired: a worker killed
   mid-send leaves a ``sending`` row whose lease runs out, and the sweeper sends it again.

A message that finally fails is marked failed (``status=failed`` with ``last_error``) and a
``message.delivery_failed`` event tells the agents why; an accepted send publishes
``message.channel_sent`` (the inbox shows "sent by email" until a delivered/read receipt).
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from conversations.events import Audience, EventType, WidgetScope, publish
from conversations.models import Conversation, Message
from customer_channels import providers
from customer_channels.csat_link import is_rating_link
from customer_channels.models import ChannelConversation, OutboundAttempt, OutboundMessage
from pingback import beat
from pingback import logging as logs
from pingback.tasks import enqueue as enqueue_task
from pingback.tasks import uses_broker
from webhooks.retry import due_ids, retry_delay

logger = logging.getLogger(__name__)
Status = OutboundMessage.Status
SWEEP_DUE_GRACE_SECONDS = 10
COUNTDOWN_MAX_SECONDS = 60


# The messages that reach the customer on a channel (see goes_out).
REPLIES = Q(sender_type=Message.SenderType.AGENT) | Q(
    sender_type=Message.SenderType.SYSTEM, is_ai=True
)


def goes_out(msg: Message) -> bool:
    """Agent replies, the AI assistant's answers and the CSAT rating link reach the customer;
    notes do not."""
    return (
        msg.sender_type == Message.SenderType.AGENT
        or (msg.sender_type == Message.SenderType.SYSTEM and msg.is_ai)
        or is_rating_link(msg)
    )


def queue_outbound(conv: Conversation, msg: Message) -> OutboundMessage | None:
    """Write the outbox row of a reply (inside its transaction); send it after commit."""
    if not goes_out(msg):
        return None
    link = (
        ChannelConversation.objects.filter(conversation_id=conv.pk)
        .select_related("channel")
        .only("channel__kind", "channel_id")
        .first()
    )
    if link is None:
        return None  # labelled with a channel that is not connected (demo rows)
    if link.channel.kind == link.channel.Kind.WHATSAPP:
        # Refused before anything is stored: the agent sees why at once (422).
        from customer_channels.providers.whatsapp import check_window

        check_window(conv)
    row = OutboundMessage.objects.create(
        business_id=conv.business_id,
        channel_id=link.channel_id,
        message=msg,
        next_attempt_at=msg.created_at,
    )
    transaction.on_commit(lambda: enqueue(row.pk))
    return row


def enqueue(outbound_id: int, countdown: float | None = None) -> None:
    # customer_channels.tasks imports this module: the task is looked up when enqueueing.
    from customer_channels import tasks

    if uses_broker():
        tasks.send_outbound.apply_async(
            args=(outbound_id,), countdown=countdown, queue=settings.CHANNELS_CELERY_QUEUE
        )
        return
    beat.ensure_started()  # the sweeper retries what a restart left behind (running first)
    enqueue_task(tasks.send_outbound, outbound_id, countdown=countdown)


def claim(outbound_id: int) -> str | None:
    now = timezone.now()
    token = uuid.uuid4().hex
    claimed = (
        OutboundMessage.objects.filter(pk=outbound_id)
        .filter(
            Q(status=Status.PENDING, next_attempt_at__lte=now)
            | Q(status=Status.SENDING, locked_until__lt=now)
        )
        .update(
            status=Status.SENDING,
            locked_until=now + timedelta(seconds=settings.CHANNELS_LEASE_SECONDS),
            claim_token=token,
        )
    )
    return token if claimed else None


def deliver(outbound_id: int) -> providers.Sent | None:
    """Claim and attempt one send; None when it was not due or someone else has it."""
    token = claim(outbound_id)
    if token is None:
        return None
    row = OutboundMessage.objects.select_related(
        "channel__business", "message__conversation__channel_link__identity"
    ).get(pk=outbound_id)
    owned = OutboundMessage.objects.filter(pk=outbound_id, claim_token=token)
    started_at = timezone.now()
    if not row.channel.enabled:
        sent = providers.Sent.refused("the channel is disabled")
    else:
        sent = providers.send(row.channel, row.message)
    now = timezone.now()
    number = row.attempts.count() + 1
    outcome = sent.outcome
    OutboundAttempt.objects.create(
        outbound=row,
        number=number,
        started_at=started_at,
        duration_ms=outcome.duration_ms,
        status_code=outcome.status_code,
        response_body=outcome.response_body,
        error=sent.error,
        success=sent.success,
    )
    logs.delivery_attempt(
        row.channel.kind,
        "succeeded" if sent.success else outcome.kind,
        business_id=row.channel.business.public_id,
        outbound_id=row.pk,
        attempt=number,
        status_code=outcome.status_code,
        duration_ms=outcome.duration_ms,
    )
    attempts = row.attempt_count + 1
    update: dict = {"attempt_count": attempts, "locked_until": None, "last_error": sent.error}
    countdown = None
    failed = False
    if sent.success:
        update.update(status=Status.SENT, completed_at=now, external_id=sent.external_id[:300])
    elif sent.permanent or attempts >= settings.CHANNELS_MAX_ATTEMPTS:
        update.update(status=Status.FAILED, completed_at=now)
        failed = True
    else:
        delay = retry_delay(
            attempts, settings.CHANNELS_RETRY_BASE_SECONDS, settings.CHANNELS_RETRY_MAX_SECONDS
        )
        if outcome.retry_after is not None:
            delay = min(outcome.retry_after, settings.CHANNELS_RETRY_MAX_SECONDS)
        update.update(status=Status.PENDING, next_attempt_at=now + timedelta(seconds=delay))
        if delay <= COUNTDOWN_MAX_SECONDS:
            countdown = delay
    with transaction.atomic():
        if owned.filter(status=Status.SENDING).update(**update):
            if failed:
                _announce_failure(row.message, row.channel.kind, sent.error)
            elif sent.success:
                _announce(EventType.MESSAGE_CHANNEL_SENT, row.message, row.channel.kind)
    if countdown is not None:
        enqueue(row.pk, countdown=countdown or None)
    return sent


def fail_after_sending(row: OutboundMessage, reason: str) -> bool:
    """The provider accepted the message, then reported it undeliverable (a WhatsApp
    ``failed`` status): the reply is marked failed and the agents are told why."""
    with transaction.atomic():
        changed = OutboundMessage.objects.filter(pk=row.pk, status=Status.SENT).update(
            status=Status.FAILED, last_error=reason[:500], completed_at=timezone.now()
        )
        if changed:
            _announce_failure(row.message, row.channel.kind, reason[:500])
    return bool(changed)


def _announce_failure(msg: Message, channel_kind: str, reason: str) -> None:
    _announce(EventType.MESSAGE_DELIVERY_FAILED, msg, channel_kind, reason=reason)


def _announce(event_type: EventType, msg: Message, channel_kind: str, **extra) -> None:
    """Tell the agents (no widget) what became of a reply on its channel."""
    conv = msg.conversation
    publish(
        event_type,
        business=conv.business,
        audience=Audience.of_conversation(conv, widgets=WidgetScope.NONE),
        data={"conversation_id": conv.pk, "message_id": msg.pk, "channel": channel_kind, **extra},
    )


def dispatch_due(limit: int = 500, grace_seconds: float = SWEEP_DUE_GRACE_SECONDS) -> int:
    """Enqueue sends that are due (and were not picked up) or whose lease expired."""
    ids = due_ids(OutboundMessage, limit=limit, grace_seconds=grace_seconds)
    for outbound_id in ids:
        enqueue(outbound_id)
    return len(ids)
