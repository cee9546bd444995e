"""The CSAT rating link for customers on email, WhatsApp and Telegram (issue 18 on channels).

The widget asks for a rating itself; a customer on another channel gets the signed link
(``csat.links.rating_url``) when their conversation is resolved and the business has CSAT on.
The link is a system message in the conversation (the agent sees what was sent) that the
channel outbox delivers like a reply (retries, attempt log, failure shown). It is sent once
per conversation: the message carries a fixed ``client_id``, so resolving again (or a
redelivered event) finds the stored one and sends nothing.

The resolution event triggers it at once (a background subscriber); a beat sweeper
(``sweep_rating_links``, every ``CHANNELS_SWEEP_SECONDS``) sends what a process that died
before its subscriber ran left out, for conversations resolved within ``SWEEP_HORIZON``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from conversations import actions, errors
from conversations.events import DomainEvent
from conversations.models import Conversation, Message
from csat.links import rating_url

logger = logging.getLogger(__name__)
SWEEP_HORIZON = timedelta(days=1)
# The subscriber's turn: the sweeper leaves a resolution this recent to it.
SWEEP_AFTER = timedelta(seconds=60)

CLIENT_ID = "pingback-csat-rating-link"
CHANNEL_TYPES = {
    Conversation.Channel.EMAIL,
    Conversation.Channel.WHATSAPP,
    Conversation.Channel.TELEGRAM,
}


def is_rating_link(msg: Message) -> bool:
    return msg.sender_type == Message.SenderType.SYSTEM and msg.client_id == CLIENT_ID


def on_event(event: DomainEvent) -> None:
    """The pipeline's subscriber (background, ``conversation.status_changed`` only): a channel
    conversation was resolved with CSAT on -> send the rating link."""
    if not event.data["csat_requested"]:
        return
    if event.data["conversation"]["channel_type"] not in CHANNEL_TYPES:
        return
    do_send_rating_link(event.data["conversation"]["id"])


def do_send_rating_link(conversation_id: int) -> Message | None:
    """Post the rating-link message (its outbox row is written with it); None when the
    conversation is not a channel one, CSAT is off, or the channel refuses (WhatsApp's
    24-hour window has closed)."""
    conv = Conversation.objects.select_related("business").filter(pk=conversation_id).first()
    if conv is None or conv.channel_type not in CHANNEL_TYPES or not conv.business.csat_enabled:
        return None
    text = link_text(conv.pk)
    try:
        msg, _ = actions.do_post_message(
            conv, sender_type=Message.SenderType.SYSTEM, content=text, client_id=CLIENT_ID
        )
    except errors.DomainError as exc:
        logger.debug("rating link not sent to conversation %s: %s", conv.pk, exc)
        return None
    return msg


def link_text(conversation_id: int) -> str:
    return f"How did we do? Rate this conversation: {rating_url(conversation_id)}"


def without_link():
    """Resolved channel conversations whose rating-link message does not exist."""
    sent = Message.objects.filter(conversation_id=OuterRef("pk"), client_id=CLIENT_ID)
    return Conversation.objects.filter(
        status=Conversation.Status.RESOLVED, channel_type__in=CHANNEL_TYPES
    ).exclude(Exists(sent))


def sweep_rating_links(limit: int = 200) -> int:
    """Beat: send the links that resolved channel conversations are still missing."""
    now = timezone.now()
    due = without_link().filter(
        business__csat_enabled=True,
        resolved_at__gte=now - SWEEP_HORIZON,
        resolved_at__lte=now - SWEEP_AFTER,
    )
    due = due.values_list("pk", flat=True)[:limit]
    return sum(do_send_rating_link(conversation_id) is not None for conversation_id in due)
