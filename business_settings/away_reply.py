"""Outside business hours, one automatic reply per conversation (a background subscriber).

On a customer message while the business is closed, the business's away message is posted
as a system message with a fixed client id: ``do_post_message`` stores it once per
conversation, however many messages, retries or processes see the event.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.utils import timezone, translation

from business_settings import hours
from business_settings.models import WidgetSettings
from conversations.actions import do_post_message
from conversations.models import Conversation, Message

AWAY_REPLY_CLIENT_ID = "pingback-away-reply"


def default_away_message(language: str) -> str:
    from django.utils.translation import gettext

    with translation.override(language):
        return gettext(
            "Thanks for your message! We're closed right now; we'll answer as soon as we're "
            "back, here and by email."
        )


# Conversations this process knows have their away reply (it is stored once per conversation,
# forever): their later messages cost no query. Keyed by id and creation time (ids can repeat
# across rolled-back test transactions); the oldest are forgotten beyond REMEMBERED.
REMEMBERED = 10_000
_replied: dict[tuple[int, str], None] = {}
_replied_lock = threading.Lock()


def _remember(key: tuple[int, str]) -> None:
    with _replied_lock:
        _replied[key] = None
        while len(_replied) > REMEMBERED:
            del _replied[next(iter(_replied))]


def on_event(event) -> None:
    """A background subscriber (``message.created`` only). While the business is open (its
    hours cached per process) or once the conversation has its reply, no query at all."""
    message = event.data["message"]
    if message["sender_type"] != Message.SenderType.CUSTOMER:
        return
    key = (event.conversation_id, event.data["conversation"]["created_at"])
    if key in _replied:
        return
    at = event.occurred_at
    business_hours = hours.cached_hours(event.business_id, event.business_public_id)
    if not business_hours.enabled or hours.is_open(business_hours.business, at, business_hours):
        return
    if post_away_reply(event.conversation_id, at=at) is not None:
        _remember(key)


def post_away_reply(conversation_id, at=None) -> Message | None:
    """The conversation's away reply, posted now or found already there (the same client id);
    None when none is due (open, or no such conversation)."""
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
    msg, _created = do_post_message(
        conv,
        sender_type=Message.SenderType.SYSTEM,
        content=text,
        client_id=AWAY_REPLY_CLIENT_ID,
    )
    return msg
