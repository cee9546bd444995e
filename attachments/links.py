"""Signed, expiring attachment URLs (``django.core.signing``).

Two scopes, each with its own salt and lifetime:

- ``view`` (``ATTACHMENTS_URL_MAX_AGE``, 24 h by default): sent to the widget and the inbox. The
  signature alone is not enough: the request must also come from the conversation's customer
  (their widget session token, ``?session=``) or from a signed-in agent who may see the
  conversation.
- ``link`` (``ATTACHMENTS_LINK_MAX_AGE``, 7 days by default): sent where no PingBack session
  exists (webhooks, ``/ws``, the REST API, the topics API, email). The signature is the
  credential, until it expires.

A token names the attachment and whether the thumbnail is meant; an unknown, tampered or
expired token is a 404, like a foreign id.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core import signing

VIEW = "v"
LINK = "l"
_SALTS = {VIEW: "pingback.attachment.view", LINK: "pingback.attachment.link"}


@dataclass(frozen=True)
class Signed:
    attachment_id: int
    scope: str
    thumbnail: bool


def max_age(scope: str) -> int:
    return settings.ATTACHMENTS_URL_MAX_AGE if scope == VIEW else settings.ATTACHMENTS_LINK_MAX_AGE


def token(attachment_id: int, scope: str, thumbnail: bool = False) -> str:
    value = signing.dumps([attachment_id, 1 if thumbnail else 0], salt=_SALTS[scope])
    return f"{scope}.{value}"


def verify(value: str) -> Signed | None:
    """The attachment a token names, or None (bad, foreign-salted or expired)."""
    if not isinstance(value, str) or len(value) > 300 or value[:2] not in ("v.", "l."):
        return None
    scope = value[0]
    try:
        data = signing.loads(value[2:], salt=_SALTS[scope], max_age=max_age(scope))
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    if (
        not isinstance(data, list)
        or len(data) != 2
        or not isinstance(data[0], int)
        or data[1] not in (0, 1)
    ):
        return None
    return Signed(attachment_id=data[0], scope=scope, thumbnail=bool(data[1]))


def url(attachment_id: int, name: str, scope: str, thumbnail: bool = False) -> str:
    safe = quote(name.replace("/", "_")[:120] or "file", safe="")
    return f"{settings.SITE_URL}/attachments/{token(attachment_id, scope, thumbnail)}/{safe}"


def item(att: dict, scope: str) -> dict:
    """An attachment snapshot with its URLs signed for ``scope`` (no database access)."""
    return {
        **att,
        "url": url(att["id"], att["name"], scope),
        "thumbnail_url": (
            url(att["id"], att["name"], scope, thumbnail=True) if att["thumbnail_url"] else None
        ),
    }


def relink(message: dict, scope: str = LINK) -> dict:
    """A message snapshot whose attachment URLs (and ``content``) are signed for ``scope``."""
    atts = message.get("attachments") or []
    if not atts:
        return message
    items = [item(a, scope) for a in atts]
    return {**message, "attachments": items, "content": items[0]["url"]}
