"""The one event pipeline: publish inside the transaction, dispatch after commit, never block.

An action calls :func:`publish` inside its transaction. That writes an ``EventLog`` row (its
id is the event id: increasing, so clients resume from a cursor) and defers dispatch to
``transaction.on_commit``: nothing sees an event before its change committed, nor after a
rollback. Ephemeral events (typing) skip the log: :func:`publish_ephemeral`.

After commit the committing thread does no I/O: it hands the event to the bridge
(``pingback.bridge``) and returns. Subscribers register in their ``AppConfig.ready`` as one of:

- ``loop``: ``async def fn(event)``, awaited on the bridge's event loop, one event after the
  other in commit order (Socket.IO rooms, topic subscribers, /ws streams);
- ``background``: ``def fn(event)`` that may block (enqueueing a Celery task, a query), run on
  the bridge's thread pool (webhook fan-out, the AI assistant);
- ``inline``: ``def fn(event)`` called in the committing thread; it must only record or enqueue
  (tests capture events this way).

A subscriber that handles only some event types names them (``types=``): the others never
reach it, so they cost it nothing.

The action decides the audience (``conversations.visibility.Audience``); surfaces only render
(their projection tables) and deliver to receivers the audience allows.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Literal, NamedTuple

from django.db import transaction
from django.utils import timezone

from conversations.events.types import EPHEMERAL, EventType, check_payload
from conversations.models import EventLog
from conversations.visibility import Audience
from pingback import metrics
from pingback.bridge import bridge

logger = logging.getLogger(__name__)

# The connection (a Socket.IO sid) whose own request caused the events published in this
# context: that adapter answers its caller itself, so realtime surfaces may skip it.
_origin: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "pingback_event_origin", default=None
)


@contextmanager
def origin(connection_id: str | None):
    token = _origin.set(connection_id)
    try:
        yield
    finally:
        _origin.reset(token)


@dataclass(frozen=True)
class DomainEvent:
    """A committed change (or an ephemeral signal, ``id`` None). ``data`` is its payload."""

    id: int | None
    type: EventType
    business_id: int
    business_public_id: str
    occurred_at: datetime
    audience: Audience
    data: dict = field(default_factory=dict)
    origin: str | None = None

    @property
    def conversation_id(self) -> int | None:
        return self.audience.conversation_id


Mode = Literal["inline", "loop", "background"]


class Subscriber(NamedTuple):
    mode: Mode
    fn: Callable
    types: frozenset[EventType] | None  # None: every type

    def wants(self, type: EventType) -> bool:
        return self.types is None or type in self.types


_subscribers: dict[str, Subscriber] = {}


def subscribe(
    name: str, fn: Callable, mode: Mode = "inline", types: Iterable[EventType] | None = None
) -> None:
    """Register ``fn`` under ``name`` (re-registering a name replaces it). With ``types``, it
    is only handed those event types: a background subscriber costs other events nothing (no
    thread-pool hop)."""
    if mode not in ("inline", "loop", "background"):
        raise ValueError(f"unknown subscriber mode {mode!r}")
    wanted = None if types is None else frozenset(EventType(t) for t in types)
    _subscribers[name] = Subscriber(mode, fn, wanted)


def unsubscribe(name: str) -> None:
    _subscribers.pop(name, None)


def subscribers() -> dict[str, Subscriber]:
    return dict(_subscribers)


def _lag(event: DomainEvent) -> float:
    return (timezone.now() - event.occurred_at).total_seconds()


def dispatch(event: DomainEvent) -> None:
    """Hand a committed event to every subscriber without blocking; one failing never stops
    the others.

    Metrics: every dispatched event counts (by type; a ``message.created`` is a message
    stored), and the lag from publish to the moment subscribers get it is observed: on the
    bridge's loop when realtime subscribers exist, else here."""
    current = [(name, sub) for name, sub in _subscribers.items() if sub.wants(event.type)]
    bridged = any(sub.mode != "inline" for _, sub in current)
    metrics.event_dispatched(str(event.type), None if bridged else _lag(event))
    if event.type == EventType.MESSAGE_CREATED:
        metrics.message_stored()
    for name, sub in current:
        if sub.mode == "inline":
            try:
                sub.fn(event)
            except Exception:
                logger.exception("event subscriber %s failed on %s %s", name, event.type, event.id)
    if bridged:
        bridge.submit(lambda: _deliver(event, current))


async def _deliver(event: DomainEvent, current: list[tuple[str, Subscriber]]) -> None:
    metrics.dispatch_lag(_lag(event))
    for _name, sub in current:
        if sub.mode == "background":
            bridge.in_background(sub.fn, event)
    for name, sub in current:
        if sub.mode != "loop":
            continue
        try:
            await sub.fn(event)
        except Exception:
            logger.exception("event subscriber %s failed on %s %s", name, event.type, event.id)


def publish(type: EventType, *, business, audience: Audience, data: dict) -> DomainEvent:
    """Record ``type`` in the event log and dispatch it after the current transaction commits.

    Must be called inside ``transaction.atomic()``: publishing outside one would deliver an
    event for a change that may still fail.
    """

    type = EventType(type)
    if type in EPHEMERAL:
        raise ValueError(f"{type} is ephemeral: use publish_ephemeral()")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("publish() must run inside transaction.atomic()")
    check_payload(type, data)
    row = EventLog.objects.create(
        business=business,
        type=str(type),
        conversation_id=audience.conversation_id,
        data=data,
        audience=audience.to_json(),
    )
    event = DomainEvent(
        id=row.id,
        type=type,
        business_id=business.pk,
        business_public_id=business.public_id,
        occurred_at=row.created_at,
        audience=audience,
        data=data,
        origin=_origin.get(),
    )
    transaction.on_commit(partial(dispatch, event))
    return event


def publish_ephemeral(type: EventType, *, business, audience: Audience, data: dict) -> None:
    """Dispatch a live-only event (typing): same pipeline and audiences, no event log row."""
    type = EventType(type)
    if type not in EPHEMERAL:
        raise ValueError(f"{type} is stored: use publish()")
    check_payload(type, data)
    event = DomainEvent(
        id=None,
        type=type,
        business_id=business.pk,
        business_public_id=business.public_id,
        occurred_at=timezone.now(),
        audience=audience,
        data=data,
        origin=_origin.get(),
    )
    transaction.on_commit(partial(dispatch, event))  # at once outside a transaction


def event_from_log(row, business_public_id: str | None = None) -> DomainEvent:
    """Rebuild a DomainEvent from its EventLog row (replay and the outbox)."""
    return DomainEvent(
        id=row.id,
        type=EventType(row.type),
        business_id=row.business_id,
        business_public_id=business_public_id or row.business.public_id,
        occurred_at=row.created_at,
        audience=Audience.from_json(row.audience),
        data=row.data,
    )
