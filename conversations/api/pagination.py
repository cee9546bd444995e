"""Keyset (cursor) pagination: stable under inserts, constant cost at any depth.

A cursor is an opaque base64 token holding the sort key of the last item returned.
"""

import base64
import json
from datetime import UTC, datetime

from django.db.models import Q
from django.utils.dateparse import parse_datetime

from conversations import errors

DEFAULT_LIMIT = 25
MAX_LIMIT = 100


def encode_cursor(values: list) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, length: int) -> list:
    try:
        padded = token + "=" * (-len(token) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, UnicodeError):
        values = None
    if not isinstance(values, list) or len(values) != length:
        raise errors.ValidationFailed("cursor is not valid.", code="INVALID_CURSOR", field="cursor")
    return values


def _cursor_id(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 10**18:
        raise errors.ValidationFailed("cursor is not valid.", code="INVALID_CURSOR", field="cursor")
    return value


def page_by_activity(qs, cursor: str | None, limit: int):
    """Conversations newest activity first: ``(-last_activity_at, -id)``."""
    qs = qs.order_by("-last_activity_at", "-id")
    if cursor:
        when_raw, last_id = decode_cursor(cursor, 2)
        try:
            when = parse_datetime(when_raw) if isinstance(when_raw, str) else None
            if when is not None and when.tzinfo is None:
                when = None  # the API writes aware times only
            if when is not None:
                when.astimezone(UTC)  # an offset that cannot be normalised
        except (ValueError, OverflowError):
            when = None
        if when is None:
            raise errors.ValidationFailed(
                "cursor is not valid.", code="INVALID_CURSOR", field="cursor"
            )
        last_id = _cursor_id(last_id)
        qs = qs.filter(Q(last_activity_at__lt=when) | Q(last_activity_at=when, id__lt=last_id))
    items = list(qs[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    next_cursor = encode_cursor([_iso(items[-1].last_activity_at), items[-1].pk]) if more else None
    return items, next_cursor


def page_by_id(qs, cursor: str | None, limit: int, *, descending: bool):
    """Any model by primary key, newest (descending) or oldest first."""
    qs = qs.order_by("-id" if descending else "id")
    if cursor:
        (last_id,) = decode_cursor(cursor, 1)
        last_id = _cursor_id(last_id)
        qs = qs.filter(id__lt=last_id) if descending else qs.filter(id__gt=last_id)
    items = list(qs[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    return items, (encode_cursor([items[-1].pk]) if more else None)


def _iso(value: datetime) -> str:
    return value.isoformat()


def next_link(request, next_cursor: str | None) -> str | None:
    if next_cursor is None:
        return None
    params = request.query_params.copy()
    params["cursor"] = next_cursor
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
