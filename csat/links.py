"""Signed rating links for customers outside the widget (email and messaging channels).

The token names one conversation and is signed with ``SECRET_KEY`` (salted for this use), so it
cannot be guessed or pointed at another conversation; it expires after
``CSAT_LINK_MAX_AGE_DAYS``. Rating stays once per conversation (the action refuses a second).
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "pingback.csat.rating-link"


def token_for(conversation_id: int) -> str:
    return signing.dumps({"c": conversation_id}, salt=SALT, compress=True)


def conversation_id_of(token: str) -> int | None:
    """The conversation a token names, or None when it is forged, altered or expired."""
    max_age = settings.CSAT_LINK_MAX_AGE_DAYS * 86400
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    conv_id = data.get("c") if isinstance(data, dict) else None
    return conv_id if isinstance(conv_id, int) else None


def rating_url(conversation_id: int) -> str:
    """The absolute link a channel sends with its "conversation resolved" message."""
    path = reverse("csat:rate", kwargs={"token": token_for(conversation_id)})
    return settings.SITE_URL + path
