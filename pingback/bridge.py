"""The one bridge from threads to the event loop.

Actions commit in worker threads (``database_sync_to_async``, request threads, Celery tasks);
realtime delivery lives on an event loop. After commit the committing thread only calls
:meth:`Bridge.submit`, a ``call_soon_threadsafe``: no database query and no network call runs
between COMMIT and the caller's answer. On the loop one drain task runs the submitted jobs in
order; jobs that must block (enqueueing a Celery task, a database write) go to the bridge's own
small thread pool.

The ASGI application binds the bridge to its loop when it starts serving
(``pingback.asgi``). A process that serves nothing (a Celery worker, a management command, a
test) gets a private loop in a daemon thread on first use: its realtime deliveries can only go
through Redis anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from pingback import logging as logs
from pingback.db_connections import reusing_connections

logger = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]
POOL_WORKERS = 4


class Bridge:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue | None = None
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0  # submitted jobs and background calls not finished yet
        self._pool: ThreadPoolExecutor | None = None
        self.private = False  # the loop is our own thread's, not a server's

    # --- binding ------------------------------------------------------------------------------

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Deliver through ``loop`` from now on (called on that loop)."""
        if self._loop is loop:
            return
        with self._lock:
            if self._loop is loop:
                return
            self._start_on(loop, private=False)

    def _start_on(self, loop: asyncio.AbstractEventLoop, private: bool) -> None:
        queue: asyncio.Queue = asyncio.Queue()
        self._loop, self._queue, self.private = loop, queue, private
        if private:
            loop.call_soon_threadsafe(lambda: loop.create_task(self._drain(queue)))
        else:
            loop.create_task(self._drain(queue))

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        return self._loop

    def _usable(self) -> bool:
        loop = self._loop
        return loop is not None and loop.is_running() and not loop.is_closed()

    def _ensure_loop(self) -> None:
        if self._usable():
            return
        with self._lock:
            if self._usable():
                return
            loop = asyncio.new_event_loop()
            started = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(started.set)
                loop.run_forever()

            threading.Thread(target=run, name="pingback-bridge", daemon=True).start()
            started.wait()
            self._start_on(loop, private=True)

    # --- submitting ---------------------------------------------------------------------------

    def submit(self, job: Job) -> None:
        """Run ``job()`` on the loop, after every job submitted before it. Never blocks."""
        self._ensure_loop()
        with self._lock:
            self._pending += 1
            loop, queue = self._loop, self._queue
        try:
            # The submitter's log context (request id, business) goes along with the job.
            loop.call_soon_threadsafe(queue.put_nowait, (job, logs.current()))
        except RuntimeError:  # the loop closed in between: run on a private one
            self._done()
            with self._lock:
                self._loop = None
            self.submit(job)

    def in_background(self, fn: Callable[..., None], *args) -> None:
        """From a job on the loop: run blocking ``fn(*args)`` on the bridge's thread pool."""
        with self._lock:
            self._pending += 1
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=POOL_WORKERS, thread_name_prefix="pingback-bg"
                )
            pool = self._pool
        pool.submit(self._run_background, fn, args, logs.current())

    def _run_background(self, fn, args, log_context: dict) -> None:
        # The pool's threads keep their database connections between calls (a new PostgreSQL
        # connection per call was 12 % of the process under load, issue 12's profile).
        try:
            with reusing_connections(), logs.bind(**log_context):
                fn(*args)
        except Exception:
            logger.exception("background dispatch %s failed", getattr(fn, "__name__", fn))
        finally:
            self._done()

    def close_pool(self, timeout: float = 10.0) -> None:
        """Stop the background pool after closing the database connections its threads keep
        (a test run ends with this before its databases are dropped). The next background
        call starts a new pool."""
        from django.db import connections

        with self._lock:
            pool, self._pool = self._pool, None
        if pool is None:
            return
        # One close per thread: each waits at the barrier until all POOL_WORKERS run at once,
        # so no thread takes two and none is skipped.
        barrier = threading.Barrier(POOL_WORKERS)

        def close() -> None:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout)
            connections.close_all()

        for _ in range(POOL_WORKERS):
            pool.submit(close)
        pool.shutdown(wait=True)

    async def _drain(self, queue: asyncio.Queue) -> None:
        while True:
            job, log_context = await queue.get()
            try:
                with logs.bind(**log_context):
                    await job()
            except Exception:
                logger.exception("bridge job failed")
            finally:
                self._done()

    def _done(self) -> None:
        with self._lock:
            self._pending -= 1
            if self._pending <= 0:
                self._pending = 0
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every submitted job and background call finished (tests, shutdown)."""
        with self._lock:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)


bridge = Bridge()
