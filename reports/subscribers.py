"""Keep the rollups current: a stored event of a counted type enqueues a fold, due once the
event has settled (``REPORTS_SETTLE_SECONDS``). At most one is enqueued per second and process:
that run also folds every event of the second before it. Beat runs it too, for what a stopped
process left behind."""

from __future__ import annotations

import threading
import time

from django.conf import settings

from conversations.events import DomainEvent
from reports.rollup import TYPES

THROTTLE_SECONDS = 1.0
_lock = threading.Lock()
_last = 0.0


def on_event(event: DomainEvent) -> None:
    global _last
    if event.id is None or str(event.type) not in TYPES:
        return
    with _lock:
        now = time.monotonic()
        if now - _last < THROTTLE_SECONDS:
            return
        _last = now
    from pingback.tasks import enqueue
    from reports.tasks import fold_events

    enqueue(fold_events, countdown=settings.REPORTS_SETTLE_SECONDS + THROTTLE_SECONDS)
