"""REST lists and the inbox at 100,000 conversations and 1,000,000 messages on PostgreSQL.

    .venv/bin/python bench/rest_large.py [--conversations 100000] [--messages 1000000]
                                         [--requests 200] [--keep]

Creates its own PostgreSQL database (``pb_bench_rest_large``; kept with ``--keep`` and reused
when it already holds the data), migrates it, adds the demo data, then seeds the demo business with
COPY (customers, conversations, messages; a progress line on stderr) and ANALYZEs. Then:

- in this process, through Django's test client: the SQL each endpoint runs, its query count
  and ``EXPLAIN ANALYZE`` of each query (index use and time), written to the JSON result;
- against one web process (keep-alive HTTP client, after a warm-up): p50/p99 of
  conversations list (newest first, and ``status=open``), a conversation's messages list,
  page 2 of the conversations list (cursor), and the inbox pages (bench/inbox_load.py).

Results go to bench/results/rest_large.json.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BenchServer, percentile, print_table, write_result

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DBNAME = "pb_bench_rest_large"
MAX_CONVERSATIONS = 200_000
MAX_MESSAGES = 2_000_000


def progress(label: str, done: int, total: int, started: float) -> None:
    rate = done / max(time.monotonic() - started, 1e-6)
    sys.stderr.write(f"\r{label}: {done:>9,}/{total:,} ({100 * done / total:5.1f}%) {rate:,.0f}/s ")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def seed(url: str, business_public_id: str, n_conv: int, n_msg: int, content=None) -> dict:
    """COPY customers, conversations and messages into the demo business.

    ``content(conversation_index, message_index, rng)``: each message's text (bench/search_large.py
    writes words to search for); by default a numbered placeholder."""
    import psycopg
    import psycopg.sql

    rng = random.Random(9)
    now = datetime.now(UTC)
    with psycopg.connect(url) as conn:
        business_id, *_ = conn.execute(
            "SELECT id FROM conversations_business WHERE public_id = %s", (business_public_id,)
        ).fetchone()
        agents = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM conversations_agent WHERE business_id = %s", (business_id,)
            )
        ]
        (existing,) = conn.execute(
            "SELECT count(*) FROM conversations_conversation WHERE business_id = %s",
            (business_id,),
        ).fetchone()
        if existing >= n_conv:
            print(f"already seeded ({existing:,} conversations)", file=sys.stderr)
            return {"seeded": False, "business_id": business_id}
        (first_customer,) = conn.execute(
            "SELECT coalesce(max(id), 0) + 1 FROM conversations_customer"
        ).fetchone()
        (first_conv,) = conn.execute(
            "SELECT coalesce(max(id), 0) + 1 FROM conversations_conversation"
        ).fetchone()
        started = time.monotonic()
        with conn.cursor() as cur:
            with cur.copy(
                "COPY conversations_customer (id, business_id, name, email, external_id, "
                "metadata, created_at, updated_at, visitor_key_hash) FROM STDIN"
            ) as copy:
                for i in range(n_conv):
                    t = now - timedelta(minutes=n_conv - i)
                    copy.write_row(
                        (
                            first_customer + i,
                            business_id,
                            f"Visitor {i}",
                            f"v{i}@example.com",
                            "",
                            "{}",
                            t,
                            t,
                            "",
                        )
                    )
                    if i % 20000 == 0 or i == n_conv - 1:
                        progress("customers", i + 1, n_conv, started)
            per_conv = [n_msg // n_conv] * n_conv
            for i in range(n_msg - sum(per_conv)):
                per_conv[i] += 1
            started = time.monotonic()
            statuses = ["open"] * 5 + ["pending", "resolved", "resolved", "closed", "closed"]
            with cur.copy(
                "COPY conversations_conversation (id, business_id, customer_id, channel_type, "
                "status, assignee_id, needs_human_handoff, handoff_reason, ai_enabled, "
                "ai_reply_count, metadata, created_at, updated_at, last_activity_at, "
                "first_message_text, last_message_text, message_count) FROM STDIN"
            ) as copy:
                for i in range(n_conv):
                    t = now - timedelta(minutes=n_conv - i)
                    last = t + timedelta(seconds=30 * per_conv[i])
                    assignee = rng.choice(agents) if rng.random() < 0.5 else None
                    copy.write_row(
                        (
                            first_conv + i,
                            business_id,
                            first_customer + i,
                            "webchat",
                            rng.choice(statuses),
                            assignee,
                            rng.random() < 0.05,
                            "",
                            False,
                            0,
                            "{}",
                            t,
                            last,
                            last,
                            "Hello, I need help",
                            f"message {per_conv[i]}",
                            per_conv[i],
                        )
                    )
                    if i % 20000 == 0 or i == n_conv - 1:
                        progress("conversations", i + 1, n_conv, started)
            started = time.monotonic()
            done = 0
            with cur.copy(
                "COPY conversations_message (business_id, conversation_id, sender_type, is_ai, "
                "content_type, content, created_at) FROM STDIN"
            ) as copy:
                for i in range(n_conv):
                    t = now - timedelta(minutes=n_conv - i)
                    for m in range(per_conv[i]):
                        copy.write_row(
                            (
                                business_id,
                                first_conv + i,
                                "customer" if m % 2 == 0 else "agent",
                                False,
                                "text",
                                content(i, m, rng)
                                if content
                                else f"message {m} of conversation {i}",
                                t + timedelta(seconds=30 * m),
                            )
                        )
                    done += per_conv[i]
                    if i % 10000 == 0 or i == n_conv - 1:
                        progress("messages", done, n_msg, started)
            for table in ("customer", "conversation", "message"):
                name = f"conversations_{table}"
                cur.execute(
                    psycopg.sql.SQL(
                        "SELECT setval(pg_get_serial_sequence({}, 'id'), (SELECT max(id) FROM {}))"
                    ).format(psycopg.sql.Literal(name), psycopg.sql.Identifier(name))
                )
        conn.commit()
        conn.autocommit = True
        t0 = time.monotonic()
        conn.execute("VACUUM ANALYZE conversations_customer")
        conn.execute("VACUUM ANALYZE conversations_conversation")
        conn.execute("VACUUM ANALYZE conversations_message")
        print(f"vacuum analyze: {time.monotonic() - t0:.1f} s", file=sys.stderr)
    return {"seeded": True, "business_id": business_id}


def plans(url: str, api_key: str, conv_id: int, next_cursor: str) -> dict:
    """Query counts and EXPLAIN ANALYZE for each endpoint, through Django in this process."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingback.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    report = {}
    for label, path in endpoints(conv_id, next_cursor):
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        queries = []
        for q in captured.captured_queries:
            sql = q["sql"]
            entry = {"sql": sql[:400]}
            if sql.lstrip().upper().startswith("SELECT"):
                with connection.cursor() as cur:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS OFF) " + sql)
                    plan = [row[0] for row in cur.fetchall()]
                entry["plan"] = plan
                entry["uses_index"] = any("Index" in line for line in plan)
                entry["seq_scan_on"] = [
                    line.split("Seq Scan on ")[1].split()[0]
                    for line in plan
                    if "Seq Scan on" in line
                ]
                entry["execution_ms"] = next(
                    (
                        float(line.split(":")[1].split()[0])
                        for line in plan
                        if "Execution Time" in line
                    ),
                    None,
                )
            queries.append(entry)
        report[label] = {"path": path, "query_count": len(queries), "queries": queries}
    return report


def endpoints(conv_id: int, next_cursor: str) -> list[tuple[str, str]]:
    return [
        ("conversations (newest)", "/api/v1/conversations"),
        ("conversations status=open", "/api/v1/conversations?status=open"),
        ("conversations page 2", f"/api/v1/conversations?cursor={next_cursor}"),
        ("messages of one conversation", f"/api/v1/conversations/{conv_id}/messages"),
    ]


def time_endpoints(base: str, api_key: str, conv_id: int, next_cursor: str, n: int) -> list:
    import httpx

    rows = []
    with httpx.Client(
        base_url=base, timeout=60, headers={"Authorization": f"Bearer {api_key}"}
    ) as http:
        for label, path in endpoints(conv_id, next_cursor):
            for _ in range(5):
                http.get(path)  # warm-up
            times = []
            for _ in range(n):
                t0 = time.perf_counter()
                response = http.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            rows.append(
                {
                    "endpoint": label,
                    "p50_ms": round(percentile(times, 50), 1),
                    "p99_ms": round(percentile(times, 99), 1),
                    "bytes": len(response.content),
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="per endpoint")
    parser.add_argument("--keep", action="store_true", help="keep the database for a re-run")
    args = parser.parse_args()
    n_conv = min(args.conversations, MAX_CONVERSATIONS)
    n_msg = min(args.messages, MAX_MESSAGES)

    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DBNAME,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DBNAME}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + DBNAME
    server = BenchServer(database_url=url)  # the demo business is self-hosted: no API rate limit
    try:
        t0 = time.monotonic()
        demo = server.prepare()
        seeded = seed(url, demo["business_id"], n_conv, n_msg)
        seed_seconds = round(time.monotonic() - t0, 1)
        [base] = server.start(1)
        import httpx

        with httpx.Client(
            base_url=base, timeout=60, headers={"Authorization": f"Bearer {demo['api_key']}"}
        ) as http:
            first = http.get("/api/v1/conversations").json()
            conv_id = first["results"][0]["id"]
            next_cursor = first["next_cursor"]
        explained = plans(url, demo["api_key"], conv_id, next_cursor)
        rows = time_endpoints(base, demo["api_key"], conv_id, next_cursor, args.requests)
        from bench.inbox_load import time_pages

        inbox, _ = time_pages(
            base, demo["owner"]["email"], demo["owner"]["password"], max(20, args.requests // 10)
        )
    finally:
        server.stop()
        if not args.keep:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DBNAME}" WITH (FORCE)')
    for row in rows:
        info = explained[row["endpoint"]]
        selects = [q for q in info["queries"] if "plan" in q]
        row["queries"] = info["query_count"]
        row["seq_scans"] = sorted({t for q in selects for t in q["seq_scan_on"]})
        row["slowest_query_ms"] = max((q["execution_ms"] or 0) for q in selects) if selects else 0
    result = {
        "conversations": n_conv,
        "messages": n_msg,
        "seeded_now": seeded["seeded"],
        "prepare_and_seed_seconds": seed_seconds,
        "endpoints": rows,
        "inbox": inbox,
        "explain": explained,
    }
    path = write_result("rest_large", result)
    print_table(
        [
            (
                r["endpoint"],
                r["p50_ms"],
                r["p99_ms"],
                r["queries"],
                r["slowest_query_ms"],
                ",".join(r["seq_scans"]) or "-",
            )
            for r in rows
        ],
        ("endpoint", "p50 ms", "p99 ms", "queries", "slowest SQL ms", "seq scans"),
    )
    print()
    print_table(
        [(r["page"], r["p50_ms"], r["p95_ms"], r["bytes"]) for r in inbox],
        ("inbox page", "p50 ms", "p95 ms", "bytes"),
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
