"""The event-pipeline subscriber that turns committed domain events into Socket.IO events.

It runs in sync code after commit, usually in a worker thread (``database_sync_to_async``,
a Django view, a Celery task), so it never awaits:

- with ``REDIS_URL`` it publishes through a write-only ``socketio.RedisManager`` on the same
  channel as the server's ``AsyncRedisManager``: every process (this one included) delivers to
  its own sockets;
- embedded, it hands the emit to the server's event loop (captured when the first socket
  connects) with ``call_soon_threadsafe``; one drain task emits in arrival order. A process
  where no socket ever connected has nobody to deliver to and skips.

Receivers are chosen from ``event.audience`` through the sub-rooms of ``realtime.rooms``.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from contextlib import contextmanager

import socketio
from django.conf import settings

from conversations.events import DomainEvent, EventType
from realtime import payloads, rooms

logger = logging.getLogger(__name__)

MEMBERSHIP_CHANGED = "pingback:membership_changed"  # a control message (realtime.control)

# The sid whose own client_message/agent_message caused the event being published: the
# handler acks and echoes the message to that socket itself, so the broadcast skips it.
_origin_sid: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "pingback_sio_origin_sid", default=None
)


@contextmanager
def origin(sid: str | None):
    token = _origin_sid.set(sid)
    try:
        yield
    finally:
        _origin_sid.reset(token)


def _unique(items):
    return list(dict.fromkeys(items))


def plan(event: DomainEvent) -> list[tuple[str, dict, list[str]]]:
    """The (event name, payload, rooms) emits a domain event becomes."""
    aud, data, pid = event.audience, event.data, event.business_public_id
    t = event.type
    if t == EventType.MESSAGE_CREATED:
        return [
            (
                "new_message",
                payloads.new_message(data["message"]),
                rooms.conversation_targets(aud, event.business_id),
            )
        ]
    if t in (EventType.MESSAGES_DELIVERED, EventType.MESSAGES_READ):
        name, render = (
            ("delivered", payloads.delivered)
            if t == EventType.MESSAGES_DELIVERED
            else ("read", payloads.read)
        )
        targets = rooms.conversation_targets(aud, event.business_id)
        return [
            (name, render(r, data["conversation_id"], data["reader"]), targets)
            for r in data["receipts"]
        ]
    if t == EventType.CONVERSATION_ASSIGNED:
        targets = rooms.conversation_targets(aud, event.business_id) + rooms.business_targets(
            aud, pid
        )
        return [("conversation_assigned", payloads.conversation_assigned(data), _unique(targets))]
    if t == EventType.AGENT_STATUS_CHANGED:
        return [
            (
                "agent_status_changed",
                payloads.agent_status_changed(data["agent"]),
                rooms.business_targets(aud, pid),
            )
        ]
    if t == EventType.CONVERSATION_STATUS_CHANGED:
        conv = data["conversation"]
        targets = rooms.conversation_targets(aud, event.business_id) + rooms.business_targets(
            aud, pid
        )
        payload = {
            "conversation_id": conv["id"],
            "status": data["status"],
            "previous_status": data["previous_status"],
        }
        return [("conversation_status_changed", payload, _unique(targets))]
    if t == EventType.AGENT_MEMBERSHIP_CHANGED:
        # Every process re-checks this agent's sockets (realtime.control, realtime.widget).
        payload = {"agent_id": data["agent_id"], "role": data["role"]}
        return [(MEMBERSHIP_CHANGED, payload, [f"agent_{data['agent_id']}"])]
    if t == EventType.ASSISTANT_TYPING:
        return [
            (
                "typing",
                payloads.assistant_typing(data),
                rooms.conversation_targets(aud, event.business_id),
            )
        ]
    if t == EventType.CONVERSATION_CREATED:
        conv = data["conversation"]
        payload = {
            "conversation_id": conv["id"],
            "customer": {"id": conv["customer"]["id"], "name": conv["customer"]["name"]},
            "status": conv["status"],
            "created_at": conv["created_at"],
        }
        return [("new_conversation", payload, rooms.business_targets(aud, pid))]
    return []


class Emitter:
    """Emit from any thread, onto Redis or the server's own event loop."""

    def __init__(self):
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue | None = None
        self._redis: socketio.RedisManager | None = None
        self._lock = threading.Lock()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called on the server loop (first connect): where embedded emits run."""
        if self._loop is loop:
            return
        self._loop = loop
        self._queue = asyncio.Queue()
        loop.create_task(self._drain(self._queue))

    async def _drain(self, queue: asyncio.Queue) -> None:
        from realtime.sio import sio

        while True:
            name, payload, targets, skip = await queue.get()
            try:
                await sio.emit(name, payload, room=targets, skip_sid=skip)
            except Exception:
                logger.exception("socket.io emit of %s failed", name)

    def _redis_manager(self) -> socketio.RedisManager:
        with self._lock:
            if self._redis is None:
                self._redis = socketio.RedisManager(
                    settings.REDIS_URL,
                    channel=f"{settings.REDIS_PREFIX}-socketio",
                    write_only=True,
                )
            return self._redis

    def emit(self, name: str, payload: dict, targets: list[str], skip: str | None = None) -> None:
        if settings.REDIS_URL:
            self._redis_manager().emit(name, payload, namespace="/", room=targets, skip_sid=skip)
            return
        loop, queue = self._loop, self._queue
        if loop is None or queue is None or loop.is_closed():
            return  # no socket ever connected to this process: nobody to deliver to
        loop.call_soon_threadsafe(queue.put_nowait, (name, payload, targets, skip))


emitter = Emitter()


def deliver(event: DomainEvent) -> None:
    """The pipeline subscriber (registered in ``RealtimeConfig.ready``)."""
    skip = _origin_sid.get() if event.type == EventType.MESSAGE_CREATED else None
    for name, payload, targets in plan(event):
        emitter.emit(name, payload, targets, skip)
