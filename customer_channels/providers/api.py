"""The API channel: an agent reply is POSTed to the business's own URL, signed like every
webhook (Standard Webhooks headers, ``webhooks.signing``) with the channel's secret.

Body: ``{"type": "message.outbound", "channel_id", "conversation_id", "to", "message"}``;
``webhook-id`` is ``msg_<message id>``, the same on every retry (the receiver's dedup key).
"""

from __future__ import annotations

import json
import time

from django.conf import settings

from attachments import links
from conversations.models import Message
from conversations.snapshots import message_snapshot
from customer_channels import crypto
from customer_channels.models import Channel
from customer_channels.providers import Sent, http_failure
from webhooks import signing, transport


def body(channel: Channel, message: Message) -> str:
    link = message.conversation.channel_link
    files = list(message.attachments.all()) if message.content_type == "attachment" else []
    return json.dumps(
        {
            "type": "message.outbound",
            "channel_id": channel.pk,
            "conversation_id": message.conversation_id,
            "to": link.identity.address,
            "message": links.relink(message_snapshot(message, attachments=files)),
        },
        separators=(",", ":"),
    )


def send(channel: Channel, message: Message) -> Sent:
    secret = crypto.decrypt(channel.credentials_encrypted).get("signing_secret", "")
    payload = body(channel, message)
    msg_id = f"msg_{message.pk}"
    timestamp = int(time.time())
    outcome = transport.request(
        "POST",
        channel.settings["webhook_url"],
        headers={
            "Content-Type": "application/json",
            "User-Agent": transport.USER_AGENT,
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signing.signature_header([secret], msg_id, timestamp, payload),
        },
        body=payload.encode(),
        timeout=settings.CHANNELS_SEND_TIMEOUT_SECONDS,
    )
    if outcome.success:
        return Sent(outcome, external_id=msg_id)
    return http_failure(outcome, outcome.response_body[:200])
