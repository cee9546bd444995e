"""Telegram updates in (https://core.telegram.org/bots/api#setwebhook, #update, #message).

Telegram POSTs one ``Update`` per request with ``X-Telegram-Bot-Api-Secret-Token`` set to the
``secret_token`` given to ``setWebhook``; a request without the right token is refused before
anything is read. A ``message`` with ``text``, or ``photo`` / ``document`` (and ``caption``),
becomes one inbound message from the chat (``chat.id`` is the customer's address); its id is
``<chat id>:<message_id>`` (unique per chat), so a redelivered update stores nothing new.
Other update types are acknowledged and ignored (a non-2xx answer makes Telegram retry).
"""

import json

from django.conf import settings
from rest_framework.response import Response

from conversations import errors
from customer_channels import actions
from customer_channels.access import inbound_channel
from customer_channels.inbound.views import BadSignature, InboundView, same
from customer_channels.models import Channel
from customer_channels.providers import telegram

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


def _files(channel: Channel, message: dict) -> list[tuple[str, bytes]]:
    wanted = []
    photos = message.get("photo")
    if isinstance(photos, list) and photos and isinstance(photos[-1], dict):
        wanted.append((photos[-1].get("file_id"), "photo.jpg"))  # the largest size is last
    document = message.get("document")
    if isinstance(document, dict):
        wanted.append((document.get("file_id"), str(document.get("file_name") or "file")))
    files = []
    for file_id, name in wanted:
        if not isinstance(file_id, str):
            continue
        data = telegram.download(channel, file_id, settings.ATTACHMENTS_MAX_BYTES)
        if data is not None:
            files.append((name, data))
    return files


class TelegramWebhookView(InboundView):
    def post(self, request, public_id):
        channel = inbound_channel(public_id, Channel.Kind.TELEGRAM)
        secret = actions.credentials_of(channel).get("webhook_secret", "")
        if not same(request.headers.get(SECRET_HEADER), secret):
            raise BadSignature()
        try:
            update = json.loads(request.body)
        except ValueError:
            raise errors.ValidationFailed("The body must be a JSON Update.") from None
        message = update.get("message") if isinstance(update, dict) else None
        if not isinstance(message, dict):
            return Response({"ok": True, "ignored": True})
        chat = message.get("chat") or {}
        sender = message.get("from") or {}
        if not isinstance(chat, dict) or not isinstance(chat.get("id"), int):
            raise errors.ValidationFailed("message.chat.id is missing.")
        if not isinstance(message.get("message_id"), int):
            raise errors.ValidationFailed("message.message_id is missing.")
        text = message.get("text") or message.get("caption") or ""
        if not isinstance(text, str):
            raise errors.ValidationFailed("message.text must be a string.")
        if not isinstance(sender, dict):
            sender = {}
        name = " ".join(str(sender.get(k) or "") for k in ("first_name", "last_name")).strip()
        files = _files(channel, message)
        if not text.strip() and not files:
            return Response({"ok": True, "ignored": True})  # a sticker, a location, …
        msg, created = actions.do_receive_inbound(
            channel,
            actions.Inbound(
                address=str(chat["id"]),
                external_id=f"{chat['id']}:{message['message_id']}",
                content=text,
                name=name,
                files=files,
            ),
        )
        return Response({"ok": True, "message_id": msg.pk, "created": created})
