"""The Socket.IO delivery of committed events (a ``loop`` subscriber of the pipeline).

It runs on the bridge's event loop (``pingback.bridge``) and renders each event through the
Socket.IO projection table (``realtime.projections.socketio``):

- in a process that serves Socket.IO, ``sio.emit`` delivers to its own sockets and, with
  ``REDIS_URL``, publishes for every other process;
- in a process that serves nothing (a Celery worker, a command) a write-only
  ``AsyncRedisManager`` publishes on the servers' channel; without Redis nobody here could be
  listening, so nothing is sent.

The socket whose own ``client_message``/``agent_message`` caused a ``message.created`` acks and
echoes it itself (``realtime.widget``), and a typist does not hear its own ``typing``, so the
broadcast skips it (``event.origin``).
"""

from __future__ import annotations

import logging

import socketio
from django.conf import settings

from conversations.events import DomainEvent, EventType
from pingback.bridge import bridge
from realtime.projections.socketio import MEMBERSHIP_CHANGED, SOCKETIO
from realtime.sio import sio

logger = logging.getLogger(__name__)

__all__ = ["MEMBERSHIP_CHANGED", "deliver"]

_publisher: socketio.AsyncRedisManager | None = None


def _redis_publisher() -> socketio.AsyncRedisManager:
    global _publisher
    if _publisher is None:
        _publisher = socketio.AsyncRedisManager(
            settings.REDIS_URL, channel=f"{settings.REDIS_PREFIX}-socketio", write_only=True
        )
    return _publisher


async def deliver(event: DomainEvent) -> None:
    emits = SOCKETIO.render(event)
    if not emits:
        return
    # The socket that sent a message or typed answers itself: it does not hear its own echo.
    own = (EventType.MESSAGE_CREATED, EventType.TYPING, EventType.VIEWING)
    skip = event.origin if event.type in own else None
    if not bridge.private:
        for emit in emits:
            await sio.emit(emit.name, emit.payload, room=emit.rooms, skip_sid=skip)
    elif settings.REDIS_URL:
        publisher = _redis_publisher()
        for emit in emits:
            await publisher.emit(
                emit.name, emit.payload, namespace="/", room=emit.rooms, skip_sid=skip
            )
