"""The real PostgreSQL and Redis for tests that cross processes.

``require_service`` fails (CI=true) or skips (a developer machine without the service) when a
service is unreachable, so CI can never pass by skipping them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.live import ROOT, free_port

PG_HOST = os.environ.get("PINGBACK_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("PINGBACK_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("PINGBACK_TEST_PG_USER", "postgres")
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    if reachable(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}"
    if in_ci():
        pytest.fail(f"{message}; CI needs it (see README, Development).")
    pytest.skip(f"{message}: start it to run this test")


def require_postgres() -> None:
    require_service("PostgreSQL", PG_HOST, PG_PORT)


def require_redis() -> None:
    from urllib.parse import urlparse

    parsed = urlparse(REDIS_URL)
    require_service("Redis", parsed.hostname or "127.0.0.1", parsed.port or 6379)


def pg_url(dbname: str, port: int | None = None) -> str:
    return f"postgresql://{PG_USER}@{PG_HOST}:{port or PG_PORT}/{dbname}"


def _admin_sql(sql: str) -> None:
    import psycopg

    with psycopg.connect(pg_url("postgres"), autocommit=True) as conn:
        conn.execute(sql)


@contextmanager
def fresh_postgres_database():
    """A new, migrated PostgreSQL database (its URL), dropped afterwards."""
    require_postgres()
    name = f"pb_tmp_{uuid.uuid4().hex[:12]}"
    _admin_sql(f'CREATE DATABASE "{name}"')
    try:
        env = {**os.environ, "DATABASE_URL": pg_url(name)}
        env.pop("PYTEST_XDIST_WORKER", None)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=180,
        )
        yield pg_url(name)
    finally:
        _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class TcpProxy:
    """A TCP relay we can cut and restore, to simulate a database or Redis outage."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.server = None
        self.writers: set = set()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    async def _pipe(self, reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _handle(self, reader, writer):
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers.update({writer, up_writer})
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        self.writers.difference_update({writer, up_writer})

    async def _start(self):
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def _stop(self):
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()

    def start(self) -> TcpProxy:
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(5)
        return self

    def cut(self) -> None:
        """Refuse new connections and break every open one."""
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(5)

    def close(self) -> None:
        self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class RedisServer:
    """A private redis-server on a free port that a test may stop and restart."""

    def __init__(self):
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.dir = Path(ROOT / "test-artifacts" / f"redis-{self.port}")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            if in_ci():
                pytest.fail("redis-server is not installed; CI needs it")
            pytest.skip("redis-server is not installed")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not reachable("127.0.0.1", self.port):
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
