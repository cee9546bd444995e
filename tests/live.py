"""Real server processes for tests: the web server (pingback.server) serving pingback.asgi on a
free port, Celery workers (started by ``pingback.processes``, the launcher the benchmarks use too).

The server shares the test database (a file for SQLite, the test database for PostgreSQL),
so tests using it need ``transactional_db``. Without REDIS_URL each process has its own
in-memory layers: drive such a server through its own surfaces, not by calling actions in
the test process.
"""

from __future__ import annotations

import os
import subprocess

from django.db import connection

from pingback import processes
from pingback.processes import ROOT, free_port

__all__ = ["ROOT", "AsgiServer", "CeleryWorker", "database_url", "free_port", "server_env"]


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
    """One web process (``pingback.processes``). ``url`` is its base URL once ``start()``
    returned."""

    def __init__(self, port: int | None = None, **env_overrides):
        self.port = port or free_port()
        self.env = server_env(**env_overrides)
        self.log_path = ROOT / "test-artifacts" / f"web-{self.port}.log"
        self.process = processes.web(self.port, self.env, self.log_path)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def proc(self) -> subprocess.Popen | None:
        return self.process.proc

    def start(self, timeout: float = 90) -> AsgiServer:
        self.process.start().wait_http(self.url + "/healthz", timeout)
        return self

    def stop(self) -> None:
        self.process.stop()

    def kill(self) -> None:
        self.process.kill()

    def __enter__(self) -> AsgiServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class CeleryWorker:
    """One ``celery -A pingback worker`` process (solo pool), logging to test-artifacts/."""

    def __init__(self, name: str, env: dict, queue: str | None = None):
        self.name = name
        self.env = env
        self.log_path = ROOT / "test-artifacts" / f"celery-{name}-{os.getpid()}.log"
        self.process = processes.celery_worker(name, env, self.log_path, queue)

    @property
    def proc(self) -> subprocess.Popen | None:
        return self.process.proc

    def start(self) -> CeleryWorker:
        self.process.start()
        return self

    def ready(self) -> bool:
        if not self.process.running():
            raise RuntimeError(f"celery worker exited: {self.process.log()}")
        return " ready." in self.process.log(tail=0)

    def tasks_succeeded(self) -> int:
        return self.process.log(tail=0).count(" succeeded in ")

    def kill(self) -> None:
        self.process.kill()

    def stop(self) -> None:
        self.process.stop(timeout=15)
