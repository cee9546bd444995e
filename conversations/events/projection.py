"""Projection tables: how one surface shows each event type.

Every surface (Socket.IO, the topics API, PocketPing for /ws and webhooks) declares one
:class:`Projection`: a row per event type, either a renderer or :data:`NOT_ON_THIS_SURFACE`.
A projection missing a type fails at import (and ``tests/test_event_contract.py`` checks every
table and validates what each renderer produces against the surface's frame schema).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from conversations.events.types import EventType


class _NotOnThisSurface:
    def __repr__(self) -> str:
        return "NOT_ON_THIS_SURFACE"


NOT_ON_THIS_SURFACE: Any = _NotOnThisSurface()


class Projection:
    """``rows[event_type]`` is ``render(event) -> list`` or ``NOT_ON_THIS_SURFACE``."""

    def __init__(self, surface: str, rows: Mapping[EventType, Callable | _NotOnThisSurface]):
        missing = [t for t in EventType if t not in rows]
        if missing:
            raise TypeError(f"projection {surface!r} misses {', '.join(missing)}")
        self.surface = surface
        self.rows = dict(rows)

    def shows(self, type: EventType) -> bool:
        return self.rows[type] is not NOT_ON_THIS_SURFACE

    def shown_types(self) -> frozenset[EventType]:
        return frozenset(t for t in self.rows if self.shows(t))

    def render(self, event) -> list:
        render = self.rows[event.type]
        if render is NOT_ON_THIS_SURFACE:
            return []
        return render(event)
