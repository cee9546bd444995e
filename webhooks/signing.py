"""Standard Webhooks signing (https://www.standardwebhooks.com/).

The secret is ``whsec_`` + base64 of random bytes; the key is the base64-decoded part. The
signature is ``v1,`` + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")).
Several signatures (during a secret rotation) are separated by spaces.
"""

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def secret_key(secret: str) -> bytes:
    raw = secret.removeprefix(SECRET_PREFIX)
    return base64.b64decode(raw)


def sign(secret: str, msg_id: str, timestamp: int, body: str | bytes) -> str:
    if isinstance(body, str):
        body = body.encode()
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets_: list[str], msg_id: str, timestamp: int, body: str) -> str:
    return " ".join(sign(s, msg_id, timestamp, body) for s in secrets_ if s)
