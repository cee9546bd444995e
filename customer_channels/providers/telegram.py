"""Telegram Bot API (https://core.telegram.org/bots/api), base URL ``TELEGRAM_API_BASE_URL``.

Requests are ``POST {base}/bot<token>/<method>`` with a JSON body; every answer is a JSON
object with ``ok`` and either ``result`` or ``error_code`` + ``description`` (429 answers carry
``parameters.retry_after``). Out: ``sendMessage`` for text, ``sendPhoto`` / ``sendDocument``
for files, passing an HTTP URL Telegram downloads (our signed ``link`` attachment URL) and
the text as ``caption``. Set-up: ``setWebhook`` with ``secret_token``, so Telegram sends
``X-Telegram-Bot-Api-Secret-Token`` with every update.
"""

from __future__ import annotations

import json

from django.conf import settings

from attachments import links
from conversations.models import Message
from customer_channels import crypto
from customer_channels.models import Channel
from customer_channels.providers import Sent, http_failure, json_body
from webhooks import transport

USER_AGENT = "PingBack-Channels/1"


def call(token: str, method: str, payload: dict, *, read_limit: int = 65536):
    """One Bot API method call; returns ``(outcome, answer)``."""
    outcome = transport.request(
        "POST",
        f"{settings.TELEGRAM_API_BASE_URL.rstrip('/')}/bot{token}/{method}",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
        body=json.dumps(payload).encode(),
        timeout=settings.CHANNELS_SEND_TIMEOUT_SECONDS,
        allow_private=True,  # the operator's configured API base, not a customer's URL
        read_limit=read_limit,
    )
    return outcome, json_body(outcome)


def _result(outcome, answer) -> Sent:
    if outcome.success and answer.get("ok") is True:
        result = answer.get("result") or {}
        return Sent(outcome, external_id=str(result.get("message_id", "")))
    retry_after = (answer.get("parameters") or {}).get("retry_after")
    if isinstance(retry_after, int):
        outcome.retry_after = float(retry_after)
    return http_failure(outcome, str(answer.get("description", ""))[:300])


def send(channel: Channel, message: Message) -> Sent:
    token = crypto.decrypt(channel.credentials_encrypted).get("bot_token", "")
    chat_id = message.conversation.channel_link.identity.address
    files = list(message.attachments.all()) if message.content_type == "attachment" else []
    if not files:
        return _result(*call(token, "sendMessage", {"chat_id": chat_id, "text": message.content}))
    sent = Sent()
    for index, att in enumerate(files):
        method, field = (
            ("sendPhoto", "photo")
            if att.content_type.startswith("image/")
            else ("sendDocument", "document")
        )
        payload = {"chat_id": chat_id, field: links.url(att.pk, att.original_name, links.LINK)}
        if index == 0 and message.content:
            payload["caption"] = message.content[:1024]
        sent = _result(*call(token, method, payload))
        if not sent.success:
            return sent
    return sent


def set_webhook(channel: Channel, url: str) -> Sent:
    """Point the bot's updates at ``url`` with the channel's secret token."""
    credentials = crypto.decrypt(channel.credentials_encrypted)
    outcome, answer = call(
        credentials.get("bot_token", ""),
        "setWebhook",
        {
            "url": url,
            "secret_token": credentials.get("webhook_secret", ""),
            "allowed_updates": ["message"],
        },
    )
    if outcome.success and answer.get("ok") is True:
        return Sent(outcome)
    return http_failure(outcome, str(answer.get("description", ""))[:300])


def download(channel: Channel, file_id: str, limit: int) -> bytes | None:
    """A file a customer sent: ``getFile`` gives its ``file_path``, then
    ``GET {base}/file/bot<token>/<file_path>`` returns its bytes."""
    token = crypto.decrypt(channel.credentials_encrypted).get("bot_token", "")
    outcome, answer = call(token, "getFile", {"file_id": file_id})
    path = (answer.get("result") or {}).get("file_path") if answer.get("ok") else None
    if not outcome.success or not isinstance(path, str):
        return None
    fetched = transport.request(
        "GET",
        f"{settings.TELEGRAM_API_BASE_URL.rstrip('/')}/file/bot{token}/{path}",
        headers={"User-Agent": USER_AGENT},
        timeout=settings.CHANNELS_SEND_TIMEOUT_SECONDS,
        allow_private=True,
        read_limit=limit + 1,
    )
    if not fetched.success or len(fetched.content) > limit:
        return None
    return fetched.content
