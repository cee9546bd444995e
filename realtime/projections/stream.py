"""The ``/ws`` event stream surface: the PocketPing projection, shared with webhooks, plus the
stream's own control row (a revoked key closes the streams opened with it)."""

from __future__ import annotations

import json

from conversations.events import NOT_ON_THIS_SURFACE, DomainEvent, EventType, Projection
from conversations.pocketping_events import POCKETPING
from conversations.snapshots import iso
from realtime.projections.topics import Control

GROUP_KEY_REVOKED = "key.revoked"


def stream_group(business_public_id: str) -> str:
    return f"stream.{business_public_id}"


def api_key_group(api_key_id: int) -> str:
    """Every /ws stream opened with one API key: told when the key is revoked."""
    return f"apikey.{api_key_id}"


def texts(event: DomainEvent) -> list[str]:
    """The JSON texts a stream sends for an event, live or replayed (the same either way)."""
    stamp = iso(event.occurred_at)
    return [
        json.dumps({**f, "eventId": event.id, "timestamp": stamp})
        for f in STREAM.render(event)
        if isinstance(f, dict)
    ]


def frames(event: DomainEvent) -> list[dict]:
    """The stream's frames of an event: ``{"type": name, **data}`` (``eventId`` and
    ``timestamp`` are added when sent)."""
    return [{"type": name, **data} for name, data in POCKETPING.render(event)]


def _key_revoked(event: DomainEvent) -> list[Control]:
    group = api_key_group(event.data["api_key_id"])
    return [Control(group, {"type": GROUP_KEY_REVOKED})]


STREAM = Projection(
    "ws",
    {
        **{t: (frames if POCKETPING.shows(t) else NOT_ON_THIS_SURFACE) for t in EventType},
        EventType.API_KEY_REVOKED: _key_revoked,
    },
)
