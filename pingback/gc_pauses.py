"""Short garbage-collector pauses in a long-running server process.

CPython's full collection walks every object the collector tracks. Two heaps make it slow:

- the start-up heap (Django, every app, URL conf, templates: ~180,000 objects), which never
  becomes garbage: :func:`freeze_start_up` moves it out of the collector's generations once
  (full collections under the reports benchmark: 110-330 ms before, 7-29 ms after; issue 18);
- the open connections: with 1,000 WebSocket subscribers a full collection still paused the
  event loop 105-152 ms, every few seconds under load, and every event caught by one reached
  its subscribers that much later (the topics fan-out's p99, issue 12).

:class:`Freezer`, a thread started with the server, moves what has survived a while into the
permanent generation every :data:`FREEZE_SECONDS` (``gc.freeze()``), so automatic
collections only walk the young objects. Frozen objects are still freed by reference counting;
only cyclic garbage among them (a closed connection's objects, say) waits for the next full
collection, which the thread runs itself (``gc.unfreeze()``, ``gc.collect()``, ``gc.freeze()``)
once the frozen heap has grown by half since the last one, or every :data:`FULL_SECONDS`:
one long pause in a quarter of an hour, or after each large wave of connections, instead of
one every few seconds; and the garbage it may hold back is bounded by half the live heap.
"""

from __future__ import annotations

import gc
import logging
import threading
import time

logger = logging.getLogger(__name__)

FREEZE_SECONDS = 10.0
FULL_SECONDS = 900.0
FULL_GROWTH = 1.5  # a full collection once the frozen heap is this many times the last one's


def freeze_start_up() -> None:
    """At the end of the ASGI module's import: the start-up heap never becomes garbage."""
    gc.freeze()


class Freezer:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.enabled = True  # the test run turns it off: its process is not a server's
        self.last_full = time.monotonic()
        self.frozen_after_full = gc.get_freeze_count()

    def tick(self, now: float) -> bool:
        """One period: freeze the survivors; first collect everything when due. True if it did."""
        full = (
            now - self.last_full >= FULL_SECONDS
            or gc.get_freeze_count() > self.frozen_after_full * FULL_GROWTH
        )
        if full:
            started = time.perf_counter()
            gc.unfreeze()
            collected = gc.collect()
            self.last_full = now
            logger.info(
                "full garbage collection: %d objects freed in %.0f ms",
                collected,
                (time.perf_counter() - started) * 1000,
            )
        gc.freeze()
        if full:
            self.frozen_after_full = gc.get_freeze_count()
        return full

    def _run(self) -> None:
        while True:
            time.sleep(FREEZE_SECONDS)
            try:
                self.tick(time.monotonic())
            except Exception:  # never let the thread die: the next period tries again
                logger.exception("garbage-collector freezer")

    def start(self) -> None:
        """Idempotent: the server's first call starts it."""
        if self.thread is not None or not self.enabled:
            return
        with self.lock:
            if self.thread is None:
                self.last_full = time.monotonic()
                self.frozen_after_full = gc.get_freeze_count()
                self.thread = threading.Thread(target=self._run, name="gc-freezer", daemon=True)
                self.thread.start()


freezer = Freezer()
