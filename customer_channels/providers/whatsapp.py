"""WhatsApp Cloud API (https://developers.facebook.com/docs/whatsapp/cloud-api), base URL
``WHATSAPP_API_BASE_URL`` (``https://graph.facebook.com/v21.0``).

Out: ``POST {base}/{phone_number_id}/messages`` with ``Authorization: Bearer <access token>``
and ``{"messaging_product": "whatsapp", "recipient_type": "individual", "to", "type", ...}``:
``text`` (``{"body"}``) or media by ``link`` (``image`` / ``document`` with a ``caption``). The
answer's ``messages[0].id`` (a ``wamid``) is the id status callbacks refer to. Errors are
``{"error": {"message", "type", "code", "error_data": {"details"}, "fbtrace_id"}}``; code
131047 means the 24-hour customer-service window is closed.
Media in: ``GET {base}/{media id}`` gives a short-lived ``url``, downloaded with the same
bearer token.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from attachments import links
from conversations import errors
from conversations.models import Conversation, Message
from customer_channels import crypto
from customer_channels.models import Channel
from customer_channels.providers import Sent, http_failure, json_body
from webhooks import transport

USER_AGENT = "PingBack-Channels/1"
WINDOW = timedelta(hours=24)
WINDOW_CLOSED = 131047


class WindowClosed(errors.DomainError):
    code = "WHATSAPP_WINDOW_CLOSED"
    http_status = 422
    title = "The WhatsApp customer-service window is closed"


def window_closes_at(conv: Conversation):
    """When free-form replies stop being allowed: 24 hours after the customer's last message."""
    last = (
        Message.objects.filter(conversation_id=conv.pk, sender_type=Message.SenderType.CUSTOMER)
        .order_by("-id")
        .values_list("created_at", flat=True)
        .first()
    )
    return None if last is None else last + WINDOW


def check_window(conv: Conversation) -> None:
    closes = window_closes_at(conv)
    if closes is None or closes <= timezone.now():
        raise WindowClosed(
            "WhatsApp only allows replies within 24 hours of the customer's last message; "
            "this customer last wrote more than 24 hours ago. Wait for them to write again.",
            window_closes_at=closes.isoformat() if closes else None,
        )


def _request(method: str, url: str, token: str, payload: dict | None = None, read_limit=65536):
    headers = {"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT}
    if payload is not None:
        headers["Content-Type"] = "application/json"
    return transport.request(
        method,
        url,
        headers=headers,
        body=json.dumps(payload).encode() if payload is not None else None,
        timeout=settings.CHANNELS_SEND_TIMEOUT_SECONDS,
        allow_private=True,  # the operator's configured API base
        read_limit=read_limit,
    )


def _base() -> str:
    return settings.WHATSAPP_API_BASE_URL.rstrip("/")


def _post(channel: Channel, token: str, payload: dict) -> Sent:
    outcome = _request(
        "POST", f"{_base()}/{channel.settings['phone_number_id']}/messages", token, payload
    )
    answer = json_body(outcome)
    if outcome.success:
        ids = [m.get("id") for m in answer.get("messages") or [] if isinstance(m, dict)]
        return Sent(outcome, external_id=str(ids[0] if ids else ""))
    error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
    details = (error.get("error_data") or {}).get("details") or error.get("message") or ""
    sent = http_failure(outcome, f"(#{error.get('code', '')}) {details}"[:300])
    if error.get("code") == WINDOW_CLOSED:
        sent.permanent = True
    return sent


def send(channel: Channel, message: Message) -> Sent:
    token = crypto.decrypt(channel.credentials_encrypted).get("access_token", "")
    to = message.conversation.channel_link.identity.address
    base = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
    files = list(message.attachments.all()) if message.content_type == "attachment" else []
    if not files:
        return _post(
            channel,
            token,
            {**base, "type": "text", "text": {"preview_url": False, "body": message.content}},
        )
    sent = Sent()
    for index, att in enumerate(files):
        kind = "image" if att.content_type in ("image/jpeg", "image/png") else "document"
        media: dict = {"link": links.url(att.pk, att.original_name, links.LINK)}
        if kind == "document":
            media["filename"] = att.original_name
        if index == 0 and message.content:
            media["caption"] = message.content
        sent = _post(channel, token, {**base, "type": kind, kind: media})
        if not sent.success:
            return sent
    return sent


def download(channel: Channel, media_id: str, limit: int) -> bytes | None:
    token = crypto.decrypt(channel.credentials_encrypted).get("access_token", "")
    meta = _request("GET", f"{_base()}/{media_id}", token)
    url = json_body(meta).get("url") if meta.success else None
    if not isinstance(url, str):
        return None
    fetched = _request("GET", url, token, read_limit=limit + 1)
    if not fetched.success or len(fetched.content) > limit:
        return None
    return fetched.content
