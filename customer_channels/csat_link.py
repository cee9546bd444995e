"""The CSAT rating link for customers on email, WhatsApp and Telegram (issue 18 on channels).

The widget asks for a rating itself; a customer on another channel gets the signed link
(``csat.links.rating_url``) when their conversation is resolved and the business has CSAT on.
The link is a system message in the conversation (the agent sees what was sent) that the
channel outbox delivers like a reply (retries, attempt log, failure shown). It is sent once
per conversation: the message carries a fixed ``client_id``, so resolving again (or a
redelivered event) finds the stored one and sends nothing.
"""

from __future__ import annotations

import logging

from conversations import actions, errors
from conversations.events import DomainEvent, EventType
from conversations.models import Conversation, Message
from csat.links import rating_url

logger = logging.getLogger(__name__)

CLIENT_ID = "pingback-csat-rating-link"
CHANNEL_TYPES = {
    Conversation.Channel.EMAIL,
    Conversation.Channel.WHATSAPP,
    Conversation.Channel.TELEGRAM,
}


def is_rating_link(msg: Message) -> bool:
    return msg.sender_type == Message.SenderType.SYSTEM and msg.client_id == CLIENT_ID


def on_event(event: DomainEvent) -> None:
    """The pipeline's subscriber (background): a channel conversation was resolved with CSAT
    on -> send the rating link."""
    if event.type != EventType.CONVERSATION_STATUS_CHANGED or not event.data["csat_requested"]:
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
    text = f"How did we do? Rate this conversation: {rating_url(conv.pk)}"
    try:
        msg, _ = actions.do_post_message(
            conv, sender_type=Message.SenderType.SYSTEM, content=text, client_id=CLIENT_ID
        )
    except errors.DomainError as exc:
        logger.info("rating link not sent to conversation %s: %s", conv.pk, exc)
        return None
    return msg
