"""Helpers shared by the benchmarks: a throw-away PingBack server, percentiles, result files.

Benchmarks start their own server processes on 127.0.0.1 with their own database, so they
never touch development data, and write JSON results to bench/results/.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from pingback import processes
from pingback.processes import PYTHON, ROOT, free_port

__all__ = ["PYTHON", "ROOT", "BenchServer", "free_port", "wait_http"]
RESULTS = ROOT / "bench" / "results"
PY_SPY = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def machine() -> dict:
    mem_kb = 0
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    cpu = platform.processor() or ""
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return float("nan")


def write_result(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    data = {
        "benchmark": name,
        "machine": machine(),
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **data,
    }
    path.write_text(json.dumps(data, indent=2))
    return path


def print_table(rows: list[tuple], headers: tuple) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    line = "  ".join(f"{h:<{w}}" for h, w in zip(headers, widths, strict=False))
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(f"{v!s:<{w}}" for v, w in zip(row, widths, strict=False)))


# Every process a benchmark starts runs as in production: DEBUG off (no per-query log).
PRODUCTION_ENV = {"DEBUG": "false", "SECRET_KEY": "bench-" + "x" * 40}


class BenchServer:
    """A PingBack web process with its own database and the demo data."""

    def __init__(
        self,
        database_url: str | None = None,
        redis_url: str | None = None,
        extra_env: dict | None = None,
    ):
        self.tmp = tempfile.mkdtemp(prefix="pingback-bench-")
        self.database_url = database_url or f"sqlite:///{self.tmp}/bench.sqlite3"
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            **PRODUCTION_ENV,
            "LOG_LEVEL": "WARNING",
            "REDIS_PREFIX": f"pb-bench-{os.getpid()}",
            # The load comes from one IP: the anonymous-widget abuse limits would refuse it.
            "WIDGET_CONVERSATIONS_PER_IP_PER_MINUTE": "0",
            "WIDGET_CONVERSATIONS_PER_BUSINESS_PER_MINUTE": "0",
            "WIDGET_CONNECTS_PER_IP_PER_MINUTE": "0",
            "EMAIL_URL": "locmem://",
        }
        self.env.pop("REDIS_URL", None)
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.env.update(extra_env or {})
        self.processes: list[processes.Process] = []
        self.ports: list[int] = []
        self.demo: dict = {}

    def manage(self, *args: str) -> str:
        return processes.manage(*args, env=self.env)

    def prepare(self) -> dict:
        self.manage("migrate", "--noinput", "-v0")
        self.demo = json.loads(self.manage("demo", "--json", "--password", "bench-password-1"))
        return self.demo

    def start(self, processes_count: int = 1) -> list[str]:
        for _ in range(processes_count):
            port = free_port()
            log = Path(self.tmp) / f"web-{port}.log"
            self.processes.append(processes.web(port, self.env, log).start())
            self.ports.append(port)
        for process, port in zip(self.processes, self.ports, strict=True):
            process.wait_http(f"http://127.0.0.1:{port}/healthz", timeout=180)
        return self.urls

    @property
    def procs(self) -> list:
        """The web processes' ``Popen`` objects (their pids are measured)."""
        return [p.proc for p in self.processes]

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.ports]

    def stop(self) -> None:
        for process in self.processes:
            process.stop()


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")
