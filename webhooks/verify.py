"""Verify a PingBack webhook in your receiver (Standard Webhooks scheme).

    from webhooks.verify import verify_webhook, WebhookVerificationError

    payload = verify_webhook(secret, request.headers, request.body)  # raises when forged

``headers`` is any mapping (case-insensitive lookups are done here); ``body`` is the raw
request body exactly as received (bytes or str), never re-serialized JSON. This module only
needs the standard library, so receivers may copy it.
"""

import base64
import hashlib
import hmac
import json
import time


class WebhookVerificationError(Exception):
    """The request is not a genuine, fresh PingBack webhook."""


def _header(headers, name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    raise WebhookVerificationError(f"missing {name} header")


def verify_webhook(secret: str, headers, body: bytes | str, tolerance: int = 300) -> dict:
    """Check signature and timestamp; return the parsed JSON payload."""
    msg_id = _header(headers, "webhook-id")
    timestamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    try:
        ts = int(timestamp)
    except ValueError:
        raise WebhookVerificationError("invalid webhook-timestamp") from None
    now = int(time.time())
    if ts < now - tolerance:
        raise WebhookVerificationError("webhook-timestamp too old")
    if ts > now + tolerance:
        raise WebhookVerificationError("webhook-timestamp too new")
    if isinstance(body, str):
        body = body.encode()
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    ).decode()
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return json.loads(body)
    raise WebhookVerificationError("no matching signature")
