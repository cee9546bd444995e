"""Outside business hours, one automatic reply per conversation (a background subscriber).

On a customer message while the business is closed, the business's away message is posted
as a system message with a fixed client id: ``do_post_message`` stores it once per
conversation, however many messages, retries or processes see the event.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation

from business_settings import hours
from business_settings.models import WidgetSettings
from conversations.actions import do_post_message
from conversations.events import EventType
from conversations.models import Conversation, Message

AWAY_REPLY_CLIENT_ID = "pingback-away-reply"


def default_away_message(language: str) -> str:
    from django.utils.translation import gettext

    with translation.override(language):
        return gettext(
            "Thanks for your message! We're closed right now; we'll answer as soon as we're "
            "back, here and by email."
        )


def on_event(event) -> None:
    if event.type != EventType.MESSAGE_CREATED:
        return
    message = event.data.get("message") or {}
    if message.get("sender_type") != Message.SenderType.CUSTOMER:
        return
    post_away_reply(event.conversation_id, at=event.occurred_at)


def post_away_reply(conversation_id, at=None) -> Message | None:
    conv = Conversation.objects.select_related("business").filter(pk=conversation_id).first()
    if conv is None:
        return None
    business_hours = hours.hours_of(conv.business)
    if hours.is_open(conv.business, at or timezone.now(), business_hours):
        return None
    text = business_hours.away_message
    if not text:
        ws = WidgetSettings.objects.filter(business=conv.business).first()
        text = default_away_message(ws.language if ws else settings.LANGUAGE_CODE[:2])
    msg, created = do_post_message(
        conv,
        sender_type=Message.SenderType.SYSTEM,
        content=text,
        client_id=AWAY_REPLY_CLIENT_ID,
    )
    return msg if created else None
