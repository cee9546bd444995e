"""The embedded default's stand-in for Celery beat: a daemon thread running the sweep.

It starts lazily (the first delivery enqueued without a broker, or a server process start)
and closes its database connection after every pass, so it holds nothing between runs.
With a broker, ``celery -A pingback beat`` runs ``webhooks.tasks.sweep_webhooks`` instead.
"""

import logging
import threading

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_thread: threading.Thread | None = None
_stop = threading.Event()


def _run() -> None:
    from webhooks import delivery

    while not _stop.wait(settings.WEBHOOKS_SWEEP_SECONDS):
        try:
            delivery.sweep()
        except Exception:
            logger.exception("webhook sweep failed")
        finally:
            connection.close()


def ensure_started() -> None:
    global _thread
    with _lock:
        if _thread is not None and _thread.is_alive():
            return
        _stop.clear()
        _thread = threading.Thread(target=_run, name="pingback-webhook-sweeper", daemon=True)
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
