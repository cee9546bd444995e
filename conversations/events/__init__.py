"""Domain events: the typed contract (``types``), the pipeline (``pipeline``) and the projection
tables each surface renders them with (``projection``). See docs/domain.md."""

from conversations.events.pipeline import (
    DomainEvent,
    dispatch,
    event_from_log,
    origin,
    publish,
    publish_ephemeral,
    subscribe,
    subscribers,
    unsubscribe,
)
from conversations.events.projection import NOT_ON_THIS_SURFACE, Projection
from conversations.events.types import EPHEMERAL, PAYLOADS, EventType
from conversations.visibility import Audience, WidgetScope

__all__ = [
    "EPHEMERAL",
    "NOT_ON_THIS_SURFACE",
    "PAYLOADS",
    "Audience",
    "DomainEvent",
    "EventType",
    "Projection",
    "WidgetScope",
    "dispatch",
    "event_from_log",
    "origin",
    "publish",
    "publish_ephemeral",
    "subscribe",
    "subscribers",
    "unsubscribe",
]
