"""Start PingBack's processes (web servers, Celery workers, ``manage.py``): the one launcher of the
tests (``tests/live.py``, the scale-out cluster) and the benchmarks (``bench/common.py``).

Each child runs from the repository root with the interpreter running this code, logs to a
file, and is stopped with SIGTERM, then SIGKILL if it does not exit in time.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ASGI_APP = "pingback.asgi:application"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Process:
    """One child process; ``argv`` after the interpreter (``["-m", "pingback.server", …]``)."""

    def __init__(self, argv: list[str], env: dict, log_path: Path | None = None):
        self.argv = argv
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> Process:
        if self.log_path is None:
            out = subprocess.DEVNULL
        else:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            out = open(self.log_path, "w")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(  # noqa: S603 - this interpreter, arguments from code
            [PYTHON, *self.argv], cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
        )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self, tail: int = 2000) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text()[-tail:] if tail else self.log_path.read_text()

    def wait_http(self, url: str, timeout: float = 90) -> None:
        """Until ``url`` answers 200; fails at once when the process exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise RuntimeError(f"{self.argv[:3]} exited: {self.log()}")
            try:
                with urllib.request.urlopen(url, timeout=1) as resp:  # noqa: S310 - our http URL
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{url} did not come up: {self.log()}")

    def stop(self, timeout: float = 10) -> None:
        if self.running():
            assert self.proc is not None
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        if self.running():
            assert self.proc is not None
            self.proc.kill()
            self.proc.wait()


def web(port: int, env: dict, log_path: Path | None = None, app: str = ASGI_APP) -> Process:
    """A web server process (``pingback.server``) serving ``app`` on 127.0.0.1:``port`` (not
    started)."""
    return Process(
        ["-m", "pingback.server", "--host", "127.0.0.1", "--port", str(port), app], env, log_path
    )


def celery_worker(name: str, env: dict, log_path: Path, queue: str | None = None) -> Process:
    """``celery -A pingback worker`` with the solo pool, quiet (no heartbeat, gossip, mingle)."""
    queues = ["-Q", queue] if queue else []
    return Process(
        [
            *("-m", "celery", "-A", "pingback", "worker", "--pool=solo", *queues),
            *("-n", f"{name}@%h", "--without-heartbeat", "--without-gossip", "--without-mingle"),
            *("-l", "info"),
        ],
        env,
        log_path,
    )


def manage(*args: str, env: dict) -> str:
    """Run ``manage.py`` to completion; its stdout."""
    out = subprocess.run(  # noqa: S603 - this interpreter, arguments from code
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout
