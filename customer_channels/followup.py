"""Email follow-up for widget visitors who left (issue 16, item 2).

When an agent (or the assistant) replies in a widget conversation whose customer left an
email address, and the business has an email channel, the reply is emailed if the widget has
not received it (no ``delivered`` receipt: the visitor's page is closed) within
``CHANNELS_EMAIL_FOLLOWUP_SECONDS``. Replies written close together go out as one email: a
check waits until the newest pending reply is that old. The email goes through the channel
outbox (retries, attempt log, failure shown to the agent), threaded and carrying the reply
token, so the customer's answer lands in the same conversation
(``customer_channels.inbound.email``).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from conversations.actions.conversations import lock
from conversations.events import DomainEvent, EventType
from conversations.models import Conversation, Message
from customer_channels import outbox
from customer_channels.actions import link_conversation
from customer_channels.models import Channel, OutboundMessage
from customer_channels.outbox import REPLIES
from pingback.tasks import enqueue

WEBCHAT = Conversation.Channel.WEBCHAT


def on_event(event: DomainEvent) -> None:
    """The pipeline's subscriber (background): a reply in a widget conversation of a customer
    with an email address -> check again after the grace period."""
    if event.type != EventType.MESSAGE_CREATED:
        return
    conv, msg = event.data["conversation"], event.data["message"]
    if conv["channel_type"] != WEBCHAT or not conv["customer"].get("email"):
        return
    if msg["sender_type"] == "customer" or (msg["sender_type"] == "system" and not msg["is_ai"]):
        return
    # customer_channels.tasks imports this module: the task is looked up when enqueueing.
    from customer_channels import tasks

    enqueue(
        tasks.email_followup, conv["id"], countdown=settings.CHANNELS_EMAIL_FOLLOWUP_SECONDS + 1
    )


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
