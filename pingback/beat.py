"""The embedded default's stand-in for Celery beat.

Without a broker there is no ``celery beat``: one daemon thread runs every entry of
``CELERY_BEAT_SCHEDULE`` (their schedules are periods in seconds) in this process instead,
closing its database connection after each run so it holds nothing between runs. It starts
with a server process, or lazily when work that needs it is queued (a webhook delivery).
With a broker, ``celery -A pingback beat`` runs the same schedule.
"""

import importlib
import logging
import threading
import time

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_thread: threading.Thread | None = None
_stop = threading.Event()
TICK_SECONDS = 1.0


def _task(dotted: str):
    module, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def _run() -> None:
    schedule = {
        name: float(entry["schedule"]) for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
    }
    due = {name: time.monotonic() + period for name, period in schedule.items()}
    while not _stop.wait(TICK_SECONDS):
        now = time.monotonic()
        for name, period in schedule.items():
            if now < due[name]:
                continue
            due[name] = now + period
            try:
                _task(settings.CELERY_BEAT_SCHEDULE[name]["task"])()
            except Exception:
                logger.exception("periodic task %s failed", name)
            finally:
                connection.close()


def ensure_started() -> None:
    global _thread
    with _lock:
        if _thread is not None and _thread.is_alive():
            return
        _stop.clear()
        _thread = threading.Thread(target=_run, name="pingback-beat", daemon=True)
        _thread.start()


def stop(timeout: float = 5.0) -> None:
    global _thread
    with _lock:
        thread, _thread = _thread, None
        _stop.set()
    if thread is not None:
        thread.join(timeout)


def is_running() -> bool:
    return _thread is not None and _thread.is_alive()
