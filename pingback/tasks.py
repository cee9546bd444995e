"""Enqueue background work the same way in both deployments.

With a broker (``REDIS_URL``) a task goes to Celery workers. In the embedded default there is
no broker: the task runs on a small in-process thread pool, so a slow task (an AI provider,
a webhook receiver) never blocks the request or socket that caused it.
"""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connections

from pingback import logging as logs
from pingback.bridge import bridge

logger = logging.getLogger(__name__)
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="pingback-task")
        return _pool


def uses_broker() -> bool:
    return not settings.CELERY_TASK_ALWAYS_EAGER


def _run_local(task, args, kwargs, log_context: dict) -> None:
    close_old_connections()
    try:
        with logs.bind(**log_context):  # the request id of the action that enqueued it
            task.apply(args=args, kwargs=kwargs, throw=True)
    except Exception:
        logger.exception("background task %s failed", task.name)
    finally:
        # Pool threads live long and are idle most of the time: don't hold a connection.
        connections.close_all()


def enqueue(task, *args, countdown: float | None = None, **kwargs) -> None:
    """Run ``task(*args, **kwargs)`` in the background, after ``countdown`` seconds if given."""
    if uses_broker():
        task.apply_async(args=args, kwargs=kwargs, countdown=countdown)
        return
    # With a broker, the log context travels in the message headers (pingback.logging).
    work = (_run_local, task, args, kwargs, logs.current())
    if countdown:
        timer = threading.Timer(countdown, lambda: _executor().submit(*work))
        timer.daemon = True
        timer.start()
        return
    _executor().submit(*work)


def wait_for_local_tasks(timeout: float = 10.0) -> None:
    """Block until queued in-process tasks finished (tests and graceful shutdown), after the
    event pipeline handed over every task its subscribers enqueue."""
    bridge.wait_idle(timeout)
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=False)
