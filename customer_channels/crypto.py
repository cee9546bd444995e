"""Channel credentials encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256).

``CHANNEL_CREDENTIALS_KEYS`` is a comma-separated list of Fernet keys: the first encrypts,
every one decrypts (rotation: put a new key first; a channel saved again is re-encrypted with
it). Without it a key is derived from
``SECRET_KEY``, so changing ``SECRET_KEY`` then makes stored credentials unreadable.
"""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _keys() -> list[bytes]:
    configured = [k.strip() for k in settings.CHANNEL_CREDENTIALS_KEYS if k.strip()]
    if configured:
        return [k.encode() for k in configured]
    digest = hashlib.sha256(b"pingback-channel-credentials:" + settings.SECRET_KEY.encode())
    return [base64.urlsafe_b64encode(digest.digest())]


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k) for k in _keys()])


def encrypt(credentials: dict) -> str:
    if not credentials:
        return ""
    return _fernet().encrypt(json.dumps(credentials).encode()).decode()


def decrypt(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise ValueError(
            "Channel credentials cannot be decrypted: CHANNEL_CREDENTIALS_KEYS (or SECRET_KEY) "
            "changed since they were saved."
        ) from None
