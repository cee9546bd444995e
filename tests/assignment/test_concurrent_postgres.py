"""Round robin across processes on PostgreSQL: several processes start chats and run the
assignment at once; no agent goes over capacity, nothing is assigned twice, and the turns stay
fair."""

import json
import os
import subprocess
import sys
from collections import Counter

from tests.live import ROOT
from tests.services import fresh_postgres_database

AGENTS, CAPACITY, PROCESSES = 3, 10, 3


def worker(database_url: str, *args) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url}
    for name in ("PYTEST_XDIST_WORKER", "REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.assignment.worker", *map(str, args)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def run(database_url: str, *args) -> str:
    proc = worker(database_url, *args)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0
    return out


def start_everywhere(url: str, business_id: int, chats_each: int) -> None:
    procs = [worker(url, "start", business_id, chats_each) for _ in range(PROCESSES)]
    for proc in procs:
        proc.communicate(timeout=300)
        assert proc.returncode == 0


def test_concurrent_processes_share_fairly_never_exceed_capacity_nor_assign_twice():
    with fresh_postgres_database() as url:
        business_id = int(run(url, "setup", AGENTS, CAPACITY).strip().splitlines()[-1])
        # 24 chats from 3 processes at once: round robin gives each agent 8.
        start_everywhere(url, business_id, 8)
        first = json.loads(run(url, "report", business_id).strip().splitlines()[-1])
        # 12 more: only 6 slots are left (capacity 10 each), so 6 chats wait.
        start_everywhere(url, business_id, 4)
        state = json.loads(run(url, "report", business_id).strip().splitlines()[-1])

    per_agent = Counter(a for _, a, _ in first["conversations"])
    assert sorted(per_agent.values()) == [8] * AGENTS, per_agent
    assert set(per_agent) == set(state["agents"])
    convs = state["conversations"]
    assert len(convs) == PROCESSES * 12
    per_agent = Counter(a for _, a, _ in convs if a is not None)
    assert sorted(per_agent.values()) == [CAPACITY] * AGENTS, per_agent
    assert sum(1 for _, a, _ in convs if a is None) == PROCESSES * 12 - AGENTS * CAPACITY
    assert all(n == 1 for n in state["assigned_events"].values()), state["assigned_events"]
