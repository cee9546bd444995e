"""Email follow-up for widget visitors who left (issue 16, item 2).

When an agent (or the assistant) replies in a widget conversation whose customer left an
email address, and the business has an email channel, the reply is emailed if the widget has
not received it (no ``delivered`` receipt: the visitor's page is closed) within
``CHANNELS_EMAIL_FOLLOWUP_SECONDS``. Replies written close together go out as one email: a
check waits until the newest pending reply is that old. The email goes through the channel
outbox (retries, attempt log, failure shown to the agent), threaded and carrying the reply
token, so the customer's answer lands in the same conversation
(``customer_channels.inbound.email``).

Restart-safe: nothing is scheduled per reply. A beat sweeper (``sweep_followups``, every
``CHANNELS_SWEEP_SECONDS``) derives the due conversations from the database alone (widget
conversations active within ``CHANNELS_EMAIL_FOLLOWUP_MAX_AGE_SECONDS`` with a reply that was
neither received nor emailed), so a process that dies loses no pending check.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from conversations.actions.conversations import lock
from conversations.models import Conversation, Message
from customer_channels import outbox
from customer_channels.actions import link_conversation
from customer_channels.models import Channel, OutboundMessage
from customer_channels.outbox import REPLIES

WEBCHAT = Conversation.Channel.WEBCHAT


def email_channel(business_id: int) -> Channel | None:
    return (
        Channel.objects.filter(business_id=business_id, kind=Channel.Kind.EMAIL, enabled=True)
        .order_by("id")
        .first()
    )


def last_emailed_id(conv: Conversation) -> int:
    return (
        OutboundMessage.objects.filter(message__conversation_id=conv.pk).aggregate(
            last=Max("message_id")
        )["last"]
        or 0
    )


def pending(conv: Conversation) -> list[Message]:
    """Replies since the last email that the widget never received."""
    return list(
        Message.objects.filter(REPLIES, conversation_id=conv.pk, pk__gt=last_emailed_id(conv))
        .filter(delivered_at__isnull=True)
        .order_by("id")
    )


def do_queue_email_followup(conversation_id: int) -> OutboundMessage | None:
    """Queue the email of the replies the visitor missed; None when there is nothing to send
    (they saw them, no address, no email channel) or a newer reply is still in its grace."""
    conv = Conversation.objects.select_related("customer").filter(pk=conversation_id).first()
    if conv is None or conv.channel_type != WEBCHAT or not conv.customer.email:
        return None
    channel = email_channel(conv.business_id)
    if channel is None:
        return None
    with transaction.atomic():
        conv = lock(conv)
        replies = pending(conv)
        quiet_since = timezone.now() - timedelta(seconds=settings.CHANNELS_EMAIL_FOLLOWUP_SECONDS)
        if not replies or replies[-1].created_at > quiet_since:
            return None
        link_conversation(channel, conv, conv.customer.email.lower())
        row = OutboundMessage.objects.create(
            business_id=conv.business_id,
            channel=channel,
            message=replies[-1],
            next_attempt_at=timezone.now(),
        )
        transaction.on_commit(lambda: outbox.enqueue(row.pk))
    return row


def due_conversation_ids(limit: int = 500) -> list[int]:
    """Widget conversations with a reply past its grace that the widget never received and
    no email carried yet (the customer left an address, the business has an email channel).
    Bounded by ``last_activity_at`` (indexed) so old history is never swept."""
    now = timezone.now()
    horizon = now - timedelta(seconds=settings.CHANNELS_EMAIL_FOLLOWUP_MAX_AGE_SECONDS)
    grace_end = now - timedelta(seconds=settings.CHANNELS_EMAIL_FOLLOWUP_SECONDS)
    emailed = OutboundMessage.objects.filter(
        message__conversation_id=OuterRef("conversation_id"), message_id__gte=OuterRef("pk")
    )
    missed = (
        Message.objects.filter(REPLIES, conversation_id=OuterRef("pk"), delivered_at__isnull=True)
        .filter(created_at__gte=horizon, created_at__lte=grace_end)
        .exclude(Exists(emailed))
    )
    has_email_channel = Channel.objects.filter(
        business_id=OuterRef("business_id"), kind=Channel.Kind.EMAIL, enabled=True
    )
    return list(
        Conversation.objects.filter(channel_type=WEBCHAT, last_activity_at__gte=horizon)
        .exclude(customer__email="")
        .filter(Exists(has_email_channel), Exists(missed))
        .order_by("last_activity_at")
        .values_list("pk", flat=True)[:limit]
    )


def sweep_followups() -> int:
    """Beat: queue the follow-up email of every due conversation; returns how many went out."""
    return sum(
        do_queue_email_followup(conversation_id) is not None
        for conversation_id in due_conversation_ids()
    )
