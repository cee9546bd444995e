"""One channel-layer channel per process for the topics API and the /ws stream.

A fan-out to N subscribers through the channel layer costs N queue messages (a copy, a task
wake-up and channels' dispatch each). Instead each process joins every group it has local
subscribers for with a single hub channel, receives each push once, and hands it to its
local consumers directly (``consumer.push(message)``): a group message crosses the layer
(in memory, or Redis pub/sub between processes) once per process, not once per receiver.
Consumers still check their own receiver against the event's audience before sending.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import uuid
import weakref

from channels.layers import InMemoryChannelLayer, get_channel_layer

logger = logging.getLogger(__name__)

# Group memberships expire in channels' layers (a day by default): re-join well before.
REJOIN_SECONDS = 3600.0
CHANNEL_PREFIX = "pingback-hub"
# Redis pub/sub drops what is published while a subscriber reconnects, silently. The hub sends
# itself a probe this often through the layer; a probe that fails or never comes back means
# pushes may have been lost, and subscribers that can resume (the /ws stream) are told.
PROBE_SECONDS = 1.0
PROBE_LATE = 3  # probe periods without a probe back before the hub declares a gap
PROBE = "hub.probe"


class Hub:
    def __init__(self, layer):
        self.layer = layer
        self.groups: dict[str, set] = {}
        self.channel: str | None = None
        self.tasks: list[asyncio.Task] = []
        # The in-memory layer loses nothing: only a networked one needs probing.
        self.probing = not isinstance(layer, InMemoryChannelLayer)
        self.probe_group = f"hub.probe.{uuid.uuid4().hex}"
        self.probe_seen_at = 0.0
        self.probe_seq_seen = 0  # the last probe number that came back
        self.probe_lost = False  # a probe never came back: the subscriber missed a window

    async def _start(self) -> None:
        if self.channel is None:
            self.channel = await self.layer.new_channel(prefix=CHANNEL_PREFIX)
            # A fresh context: the hub outlives the consumer that started it, and must not run
            # its consumers' sync calls on that consumer's (soon closed) thread-sensitive
            # executor, which the task would otherwise inherit through contextvars.
            self.tasks = [
                asyncio.create_task(self._receive(), context=contextvars.Context()),
                asyncio.create_task(self._rejoin(), context=contextvars.Context()),
            ]
            if self.probing:
                self.probe_seen_at, self.probe_seq_seen, self.probe_lost = 0.0, 0, False
                await self.layer.group_add(self.probe_group, self.channel)
                self.tasks.append(asyncio.create_task(self._probe(), context=contextvars.Context()))

    async def add(self, group: str, consumer) -> None:
        await self._start()
        members = self.groups.setdefault(group, set())
        if not members:
            await self.layer.group_add(group, self.channel)
        members.add(consumer)

    async def remove(self, group: str, consumer) -> None:
        members = self.groups.get(group)
        if members is None:
            return
        members.discard(consumer)
        if not members:
            del self.groups[group]
            await self.layer.group_discard(group, self.channel)
        if not self.groups:
            self._stop()

    def _stop(self) -> None:
        """No local subscriber left: stop listening (the next ``add`` starts again)."""
        for task in self.tasks:
            task.cancel()
        self.tasks, self.channel = [], None

    async def _receive(self) -> None:
        while True:
            message = await self.layer.receive(self.channel)
            if message.get("type") == PROBE:
                seq = message.get("seq", 0)
                # Probes come back in the order they were sent; one skipped means the
                # subscription was down while Redis accepted publishes (a reconnect), and
                # every push published then is lost too.
                if seq > self.probe_seq_seen + 1:
                    self.probe_lost = True
                self.probe_seq_seen = max(self.probe_seq_seen, seq)
                self.probe_seen_at = asyncio.get_running_loop().time()
                continue
            for consumer in list(self.groups.get(message.get("group"), ())):
                try:
                    await consumer.push(message)
                except Exception:
                    logger.exception("push to a %s subscriber failed", message.get("group"))

    async def _probe(self) -> None:
        loop = asyncio.get_running_loop()
        sent, gap_open = 0, False
        self.probe_seen_at = loop.time()
        while True:
            await asyncio.sleep(PROBE_SECONDS)
            sent += 1
            failed = False
            try:
                # A publish into a dead connection can hang in reconnect attempts: bounded.
                await asyncio.wait_for(
                    self.layer.group_send(
                        self.probe_group, {"type": PROBE, "group": self.probe_group, "seq": sent}
                    ),
                    PROBE_SECONDS,
                )
            except Exception:
                failed = True  # Redis refused or hung: whatever was published now may be lost
            late = failed or loop.time() - self.probe_seen_at > PROBE_SECONDS * PROBE_LATE
            if late and not gap_open:
                gap_open = True
                logger.warning("realtime hub: the channel layer lost contact; pushes may be lost")
                await self._gap()
            elif not late and (gap_open or self.probe_lost):
                # Back, or a reconnect too short to notice by silence (a probe was skipped):
                # subscribers that joined during the outage may also have missed pushes.
                gap_open = self.probe_lost = False
                await self._gap()

    async def _gap(self) -> None:
        """Tell every local subscriber that can resume that pushes may have been missed."""
        consumers = {c for members in self.groups.values() for c in members}
        for consumer in consumers:
            on_gap = getattr(consumer, "on_gap", None)
            if on_gap is None:
                continue
            try:
                await on_gap()
            except Exception:
                logger.exception("telling a subscriber about a gap failed")

    async def _rejoin(self) -> None:
        while True:
            await asyncio.sleep(REJOIN_SECONDS)
            for group in list(self.groups):
                await self.layer.group_add(group, self.channel)


_hubs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def get_hub() -> Hub:
    """The hub of the running event loop and the current channel layer."""
    loop = asyncio.get_running_loop()
    layer = get_channel_layer()
    hub = _hubs.get(loop)
    if hub is None or hub.layer is not layer:
        hub = _hubs[loop] = Hub(layer)
    return hub
