"""Real ASGI server processes for tests: daphne serving pingback.asgi on a free port.

The server shares the test database (a file for SQLite, the test database for PostgreSQL),
so tests using it need ``transactional_db``. Without REDIS_URL each process has its own
in-memory layers: drive such a server through its own surfaces, not by calling actions in
the test process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The URL of the database the tests are using right now."""
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    user = s.get("USER") or "postgres"
    return f"postgresql://{user}@{host}:{port}/{s['NAME']}"


def server_env(**overrides) -> dict:
    env = dict(os.environ)
    from django.conf import settings

    env["DATABASE_URL"] = database_url()
    # Same Redis namespace as this test process (unique per xdist worker).
    env["REDIS_PREFIX"] = settings.REDIS_PREFIX
    env.pop("PYTEST_XDIST_WORKER", None)
    env.setdefault("DEBUG", "true")
    # Every test client is 127.0.0.1: the per-IP limit on new widget conversations is tested
    # on its own (tests/security/test_widget_abuse.py).
    env.setdefault("WIDGET_CONVERSATIONS_PER_IP_PER_MINUTE", "0")
    env.setdefault("WIDGET_CONNECTS_PER_IP_PER_MINUTE", "0")
    env.setdefault("WIDGET_CONVERSATIONS_PER_BUSINESS_PER_MINUTE", "0")
    env["PYTHONUNBUFFERED"] = "1"
    env.update({k: v for k, v in overrides.items() if v is not None})
    for key in [k for k, v in overrides.items() if v is None]:
        env.pop(key, None)
    return env


class AsgiServer:
    """One daphne process. ``url`` is its base URL once ``start()`` returned."""

    def __init__(self, port: int | None = None, **env_overrides):
        self.port = port or free_port()
        self.env = server_env(**env_overrides)
        self.proc: subprocess.Popen | None = None
        self.log_path = ROOT / "test-artifacts" / f"daphne-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> AsgiServer:
        self.log_path.parent.mkdir(exist_ok=True)
        log = open(self.log_path, "w")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "pingback.asgi:application",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daphne exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"daphne did not start: {self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> AsgiServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class CeleryWorker:
    """One ``celery -A pingback worker`` process (solo pool), logging to test-artifacts/."""

    def __init__(self, name: str, env: dict, queue: str | None = None):
        self.name = name
        self.env = env
        self.queue = queue
        self.proc: subprocess.Popen | None = None
        self.log_path = ROOT / "test-artifacts" / f"celery-{name}-{os.getpid()}.log"

    def start(self) -> CeleryWorker:
        self.log_path.parent.mkdir(exist_ok=True)
        log = open(self.log_path, "w")  # noqa: SIM115 - closed with the process
        queues = ["-Q", self.queue] if self.queue else []
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "pingback",
                "worker",
                "--pool=solo",
                *queues,
                "-n",
                f"{self.name}@%h",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        return self

    def ready(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"celery worker exited: {self.log_path.read_text()[-2000:]}")
        return " ready." in self.log_path.read_text()

    def tasks_succeeded(self) -> int:
        return self.log_path.read_text().count(" succeeded in ")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
