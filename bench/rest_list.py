"""p50/p99 latency of GET /api/v1/conversations/ with 10,000 conversations in PostgreSQL.

Runs in-process (Django test client: the full middleware, auth, throttle, query and JSON
rendering path, without a network hop) against its own database ``pb_bench_rest``, seeded
with bulk_create. Usage:

    .venv/bin/python bench/rest_list.py [--conversations 10000] [--requests 300]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import RESULTS, machine, percentile  # noqa: E402

DB = "pb_bench_rest"
DB_URL = f"postgresql://postgres@127.0.0.1:5432/{DB}"


def prepare_database():
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{DB}"')
        c.execute(f'CREATE DATABASE "{DB}"')
    env = {**os.environ, "DATABASE_URL": DB_URL}
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )


def seed(n: int):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from conversations import actions
    from conversations.models import Conversation, Customer

    business = actions.create_business("Bench Inc")
    user = get_user_model().objects.create_user("bench@x.test", "bench@x.test", "pw")
    agent = actions.add_agent(business, user, "agent")
    _, raw = actions.create_api_key(business, "bench")
    customers = Customer.objects.bulk_create(
        Customer(business=business, name=f"Customer {i}", email=f"c{i}@x.test") for i in range(1000)
    )
    now = timezone.now()
    statuses = ["open", "open", "pending", "resolved", "closed"]
    Conversation.objects.bulk_create(
        (
            Conversation(
                business=business,
                customer=customers[i % len(customers)],
                status=statuses[i % len(statuses)],
                assignee=agent if i % 3 == 0 else None,
                needs_human_handoff=i % 50 == 0,
                last_activity_at=now - timedelta(seconds=i),
                first_message_text=f"Hello {i}",
                last_message_text=f"Latest {i}",
                message_count=3,
            )
            for i in range(n)
        ),
        batch_size=2000,
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return raw


def measure(client, url: str, requests: int) -> dict:
    client.get(url)  # warm up
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        r = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200, r.content
    return {
        "url": url,
        "p50_ms": round(percentile(times, 50), 2),
        "p99_ms": round(percentile(times, 99), 2),
        "max_ms": round(max(times), 2),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    prepare_database()
    os.environ["DATABASE_URL"] = DB_URL
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingback.settings")
    import django

    django.setup()
    from rest_framework.test import APIClient

    t0 = time.perf_counter()
    raw = seed(args.conversations)
    seeded = time.perf_counter() - t0
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    first = client.get("/api/v1/conversations/?limit=25").json()
    deep_cursor = first["next_cursor"]
    for _ in range(100):  # walk 100 pages deep (2,500 conversations)
        deep_cursor = client.get(f"/api/v1/conversations/?limit=25&cursor={deep_cursor}").json()[
            "next_cursor"
        ]
    results = [
        measure(client, "/api/v1/conversations/?limit=25", args.requests),
        measure(client, "/api/v1/conversations/?limit=100", args.requests),
        measure(client, "/api/v1/conversations/?status=open&unassigned=true", args.requests),
        measure(client, f"/api/v1/conversations/?limit=25&cursor={deep_cursor}", args.requests),
    ]
    report = {
        "benchmark": "rest_list",
        "conversations": args.conversations,
        "requests_each": args.requests,
        "seed_seconds": round(seeded, 1),
        "results": results,
        "machine": machine(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "rest_list.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
