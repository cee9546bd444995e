"""Database connections kept by long-lived worker threads, without a ``SELECT 1`` per call.

Two kinds of thread run many short calls: the socket hot path's executor
(:data:`hot_path_sync_to_async`) and the event bridge's background pool (``pingback.bridge``).
Both wrap each call in :func:`reusing_connections`, so a thread keeps its connection between
calls (``CONN_MAX_AGE``) instead of opening one per call.

With ``CONN_HEALTH_CHECKS`` on, channels' ``database_sync_to_async`` calls
``close_old_connections()`` before every call, which marks each connection "not checked", so the
first query of every call pays a ``SELECT 1`` round trip: one per message on the widget write path
(issue 12's profile: 8 % of the process). Here a connection that passed (or was opened, or ran a
call without errors) less than :data:`HEALTH_CHECK_INTERVAL` seconds ago skips that check; an
idle connection is still checked before use, and a connection that saw an error is checked (and
closed when unusable) exactly as before, so a restarted PostgreSQL costs at most the calls of
that one second.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from asgiref.sync import SyncToAsync
from django.db import close_old_connections, connections

HEALTH_CHECK_INTERVAL = 1.0  # seconds


def _prepare_connections() -> None:
    now = time.monotonic()
    for conn in connections.all(initialized_only=True):
        # Errors or max age: checked or closed here, as close_old_connections() would.
        conn.close_if_unusable_or_obsolete()
        if conn.connection is None or not conn.health_check_enabled:
            continue
        checked_at = getattr(conn, "_pingback_checked_at", None)
        if checked_at is not None and now - checked_at < HEALTH_CHECK_INTERVAL:
            conn.health_check_done = True  # used fine a moment ago: no SELECT 1
        else:
            conn._pingback_checked_at = now  # checked on first use (health_check_done is False)


def _mark_healthy() -> None:
    now = time.monotonic()
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.errors_occurred:
            conn._pingback_checked_at = now


@contextmanager
def reusing_connections() -> Iterator[None]:
    """Around one call in a worker thread: its connections are health-checked at most once a
    second, kept after the call unless obsolete (``CONN_MAX_AGE``) or broken."""
    _prepare_connections()
    try:
        yield
    except BaseException:
        close_old_connections()
        raise
    _mark_healthy()
    close_old_connections()


class HotPathSyncToAsync(SyncToAsync):
    """Like channels' ``DatabaseSyncToAsync``, with health checks at most once a second."""

    def thread_handler(self, loop, *args, **kwargs):
        with reusing_connections():
            return super().thread_handler(loop, *args, **kwargs)


hot_path_sync_to_async = HotPathSyncToAsync


# --- Celery workers ---------------------------------------------------------------------------
# Celery's Django fix-up closes every database connection before and after every task (unless
# CELERY_DB_REUSE_MAX is set), so each task of a worker opened a new PostgreSQL backend: 24 % of
# a webhook worker's time (issue 12). The settings give the fix-up a large CELERY_DB_REUSE_MAX
# (it then closes them only every that many tasks), and these handlers give a worker's tasks the
# same rules as the hot path's threads: kept until CONN_MAX_AGE, health-checked at most once a
# second, closed after an error. Eager tasks (the embedded default's in-process pool) close
# their own connection (``pingback.tasks``) and are left alone.


def _task_prerun(sender=None, **kwargs) -> None:
    if not getattr(getattr(sender, "request", None), "is_eager", False):
        _prepare_connections()


def _task_postrun(sender=None, **kwargs) -> None:
    if not getattr(getattr(sender, "request", None), "is_eager", False):
        _mark_healthy()
        close_old_connections()


def connect_celery_signals() -> None:
    from celery import signals

    signals.task_prerun.connect(_task_prerun, weak=False, dispatch_uid="pb-db-prerun")
    signals.task_postrun.connect(_task_postrun, weak=False, dispatch_uid="pb-db-postrun")
