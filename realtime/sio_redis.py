"""python-socketio's Redis manager, made safe for a fresh process and a Redis restart.

``socketio.AsyncRedisManager`` subscribes to its pub/sub channel in a background task started
when the first socket connects, and re-subscribes after a Redis failure with a back-off that
grows to 60 s. Both leave windows in which this process is *deaf*: another process's emits
are published before this one listens and are lost for its sockets, silently. Found by
tests/scaleout (a customer on a freshly started process missed the agent's first reply).

``ReliableRedisManager`` closes them:

- a socket's connect waits (bounded) until this process listens, so every emit published
  after a client saw its ``connect`` reaches it;
- after Redis comes back, re-subscription retries every ``RETRY_MAX`` seconds at most, and
  once listening again the process disconnects its sockets: they reconnect (the widget does
  so by itself) and resume with their cursor (``last_message_id``), which replays what was
  published while nobody listened. Clients are never left connected to a deaf process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import socketio

from realtime.control import ControlEvents
from realtime.once import OncePerSocket

logger = logging.getLogger(__name__)

SUBSCRIBE_WAIT = 10.0  # seconds a connect waits for the first subscription
RETRY_MAX = 2.0  # seconds between re-subscription attempts while Redis is away


class ReliableRedisManager(socketio.AsyncRedisManager, ControlEvents, OncePerSocket):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._listening: asyncio.Event | None = None

    def _listening_event(self) -> asyncio.Event:
        if self._listening is None:
            self._listening = asyncio.Event()
        return self._listening

    async def connect(self, eio_sid, namespace):
        if not self.write_only:
            try:
                await asyncio.wait_for(self._listening_event().wait(), SUBSCRIBE_WAIT)
            except TimeoutError:
                logger.error("socket.io: not subscribed to Redis yet; accepting a socket anyway")
        return await super().connect(eio_sid, namespace)

    async def _redis_listen_with_retries(self):  # same loop as the parent, see module doc
        retry_sleep = 0.1
        subscribed = False
        failed = False
        listening = self._listening_event()
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    await self.pubsub.subscribe(self.channel)
                    subscribed = True
                    retry_sleep = 0.1
                    listening.set()
                    if failed:
                        failed = False
                        logger.warning("socket.io: Redis is back; sockets reconnect and resume")
                        self.server.start_background_task(self._disconnect_local_sockets)
                async for message in self.pubsub.listen():
                    yield message
            except Exception as exc:  # any Redis failure: retry
                logger.error("socket.io: cannot receive from Redis (%s); retrying", exc)
                listening.clear()
                subscribed = False
                failed = True
                await asyncio.sleep(retry_sleep)
                retry_sleep = min(retry_sleep * 2, RETRY_MAX)

    async def _disconnect_local_sockets(self) -> None:
        for namespace in list(self.get_namespaces()):
            for sid, _eio_sid in list(self.get_participants(namespace, None)):
                with contextlib.suppress(Exception):  # already gone
                    await self.server.disconnect(sid, namespace=namespace, ignore_queue=True)
