"""Reports at 100,000 conversations and 1,000,000 messages on PostgreSQL.

    .venv/bin/python bench/reports_load.py [--conversations 100000] [--messages 1000000]
                                           [--requests 200] [--keep] [--reuse]
                                           [--only "summary 90 days"]

Creates its own PostgreSQL database (``pb_bench_reports``), migrates it and adds the demo data,
seeds conversations, messages (``bench/rest_large.py``'s COPY) and the matching event log
(conversation.created, message.created, first replies, resolutions, handoffs, ratings) over the
same ~70 days, across 4 channels and the demo agents, in the Europe/Paris time zone. Then:

- folds the whole event log into the rollups in this process (``reports.rollup.catch_up``),
  timed (events per second), and checks the rollups against a full recomputation;
- against one web process (keep-alive HTTP client, after a warm-up): p50/p99 of
  ``/api/v1/reports/summary`` for 7, 30, 90 and 365 days, with a channel and an agent filter,
  and of the days CSV.

Results go to bench/results/reports_load.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BenchServer, percentile, print_table, write_result
from bench.rest_large import PG_ADMIN, progress, seed

DBNAME = "pb_bench_reports"
LABEL_EVERY = 20  # a label on one conversation in twenty (5,000 of 100,000)
CHANNELS = ["webchat", "webchat", "email", "whatsapp", "api"]


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def seed_events(url: str, business_id: int, n_conv: int, n_msg: int) -> int:
    """COPY the event log of the seeded conversations (the payload fields reports read)."""
    import psycopg

    rng = random.Random(18)
    now = datetime.now(UTC)
    per_conv = n_msg // n_conv
    written = 0
    with psycopg.connect(url) as conn:
        (done,) = conn.execute(
            "SELECT count(*) FROM conversations_eventlog WHERE business_id = %s", (business_id,)
        ).fetchone()
        if done > n_conv:
            print(f"events already seeded ({done:,})", file=sys.stderr)
            return done
        agents = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM conversations_agent WHERE business_id = %s", (business_id,)
            )
        ]
        conn.execute(
            "UPDATE conversations_business SET timezone = 'Europe/Paris' WHERE id = %s",
            (business_id,),
        )
        started = time.monotonic()
        total = n_conv + n_msg + n_conv  # roughly: created, messages, resolutions and the rest
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY conversations_eventlog (business_id, type, conversation_id, data, audience, "
                "created_at) FROM STDIN"
            ) as copy,
        ):

            def log(type, at, data):
                nonlocal written
                copy.write_row((business_id, type, None, json.dumps(data), "{}", at))
                written += 1

            for i in range(n_conv):
                created = now - timedelta(minutes=n_conv - i)
                conv = {
                    "id": i + 1,
                    "channel_type": rng.choice(CHANNELS),
                    "assignee": None,
                    "ai_enabled": rng.random() < 0.3,
                    "created_at": iso(created),
                    "resolved_at": None,
                    "assigned_at": None,
                    "first_response_at": None,
                    "first_response_seconds": None,
                }
                log("conversation.created", created, {"conversation": conv})
                agent = rng.choice(agents)
                wait = rng.lognormvariate(4, 1)  # ~1 min median, long tail
                at = created
                for m in range(per_conv):
                    at = at + timedelta(seconds=rng.expovariate(1 / 40))
                    if m % 2 == 0:
                        msg = {"sender_type": "customer", "created_at": iso(at)}
                    else:
                        if conv["first_response_at"] is None:
                            at = max(at, created + timedelta(seconds=wait))
                            conv = {
                                **conv,
                                "assignee": {"id": agent},
                                "assigned_at": iso(at),
                            }
                            log(
                                "conversation.assigned",
                                at,
                                {
                                    "conversation": conv,
                                    "assignee": {"id": agent},
                                    "previous_assignee": None,
                                },
                            )
                            conv = {
                                **conv,
                                "first_response_at": iso(at),
                                "first_response_seconds": (at - created).total_seconds(),
                            }
                        msg = {
                            "sender_type": "agent",
                            "sender_agent_id": agent,
                            "created_at": iso(at),
                        }
                    log("message.created", at, {"message": msg, "conversation": conv})
                if conv["ai_enabled"] and rng.random() < 0.3:
                    log("conversation.handoff_requested", at, {"conversation": conv})
                if rng.random() < 0.6:
                    at = at + timedelta(minutes=rng.expovariate(1 / 30))
                    conv = {**conv, "resolved_at": iso(at)}
                    log(
                        "conversation.status_changed",
                        at,
                        {"conversation": conv, "status": "resolved"},
                    )
                    if rng.random() < 0.3:
                        score = rng.choice([1, 2, 3, 4, 4, 5, 5, 5])
                        log(
                            "conversation.rated",
                            at,
                            {"conversation": conv, "rating": {"score": score}},
                        )
                if i % 5000 == 0 or i == n_conv - 1:
                    progress("events", min(written, total), total, started)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE conversations_eventlog")
    return written


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingback.settings")
    import django

    django.setup()


def fold(url: str) -> dict:
    """Fold the whole event log in this process; prove it equals a rebuild."""
    setup_django(url)
    from reports import rollup
    from reports.models import DailyStats, HourlyOpened, TimingBucket

    t0 = time.monotonic()
    events = rollup.catch_up(settle=0)
    seconds = time.monotonic() - t0
    rows = {m.__name__: m.objects.count() for m in (DailyStats, HourlyOpened, TimingBucket)}
    return {
        "events_folded": events,
        "fold_seconds": round(seconds, 1),
        "events_per_second": round(events / max(seconds, 1e-6)),
        "rollup_rows": rows,
    }


def seed_label(url: str, business_id: int, every: int = LABEL_EVERY) -> dict:
    """A label ("bench-vip") on every ``every``-th conversation of the business (idempotent):
    a label report reads those conversations and their messages, not the rollups."""
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT id FROM teamtools_label WHERE business_id = %s AND name = 'bench-vip'",
            (business_id,),
        ).fetchone()
        if row is None:
            row = conn.execute(
                "INSERT INTO teamtools_label (business_id, name, color, created_at)"
                " VALUES (%s, 'bench-vip', '#aa0000', now()) RETURNING id",
                (business_id,),
            ).fetchone()
        label_id = row[0]
        conn.execute(
            "INSERT INTO teamtools_conversationlabel (conversation_id, label_id, added_at)"
            " SELECT id, %s, now() FROM conversations_conversation"
            " WHERE business_id = %s AND id %% %s = 0"
            " ON CONFLICT DO NOTHING",
            (label_id, business_id, every),
        )
        conn.execute(
            "UPDATE conversations_conversation SET has_labels = true WHERE id IN"
            " (SELECT conversation_id FROM teamtools_conversationlabel WHERE label_id = %s)",
            (label_id,),
        )
        [conversations] = conn.execute(
            "SELECT count(*) FROM teamtools_conversationlabel WHERE label_id = %s", (label_id,)
        ).fetchone()
        conn.execute("ANALYZE teamtools_conversationlabel")
    return {"label_id": label_id, "labelled_conversations": conversations}


def endpoints(agent_id: int, label_id: int) -> list[tuple[str, str]]:
    today = datetime.now(UTC).date()

    def span(days: int) -> str:
        return f"from={today - timedelta(days=days - 1)}&to={today}"

    return [
        ("summary 7 days", f"/api/v1/reports/summary?{span(7)}"),
        ("summary 30 days", f"/api/v1/reports/summary?{span(30)}"),
        ("summary 90 days", f"/api/v1/reports/summary?{span(90)}"),
        ("summary 365 days", f"/api/v1/reports/summary?{span(365)}"),
        ("summary 90 days, email", f"/api/v1/reports/summary?{span(90)}&channel=email"),
        ("summary 90 days, one agent", f"/api/v1/reports/summary?{span(90)}&agent_id={agent_id}"),
        ("summary 90 days, one label", f"/api/v1/reports/summary?{span(90)}&label_id={label_id}"),
        ("days CSV 90 days", f"/api/v1/reports/csv?report=days&{span(90)}"),
    ]


def time_endpoints(
    base: str, api_key: str, agent_id: int, label_id: int, n: int, only: str | None = None
) -> list[dict]:
    import httpx

    rows = []
    with httpx.Client(
        base_url=base, timeout=60, headers={"Authorization": f"Bearer {api_key}"}
    ) as http:
        for label, path in endpoints(agent_id, label_id):
            if only is not None and label != only:
                continue
            for _ in range(5):
                http.get(path)  # warm-up
            times = []
            for _ in range(n):
                t0 = time.perf_counter()
                response = http.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, (
                    path,
                    response.status_code,
                    response.text[:200],
                )
            rows.append(
                {
                    "endpoint": label,
                    "p50_ms": round(percentile(times, 50), 1),
                    "p99_ms": round(percentile(times, 99), 1),
                    "max_ms": round(max(times), 1),
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
    parser.add_argument("--only", help='time one endpoint, by its label ("summary 90 days")')
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the database a --keep run left (seeded and folded), without seeding again",
    )
    args = parser.parse_args()

    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DBNAME,)).fetchone():
            conn.execute(f'CREATE DATABASE "{DBNAME}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + DBNAME
    # Console email (the default) would print the demo's notification emails into its JSON.
    server = BenchServer(database_url=url, extra_env={"EMAIL_URL": "locmem://"})
    try:
        t0 = time.monotonic()
        demo = server.prepare()
        if args.reuse:
            with psycopg.connect(url) as conn:
                [business_id] = conn.execute(
                    "SELECT id FROM conversations_business WHERE public_id = %s",
                    (demo["business_id"],),
                ).fetchone()
            events, folded = None, {"reused": True}
            setup_django(url)
        else:
            seeded = seed(url, demo["business_id"], args.conversations, args.messages)
            business_id = seeded["business_id"]
            events = seed_events(url, business_id, args.conversations, args.messages)
            folded = fold(url)
        seed_seconds = round(time.monotonic() - t0, 1)
        from conversations.models import Agent

        agent_id = Agent.objects.filter(business_id=business_id).order_by("id").first().pk
        [base] = server.start(1)
        labelled = seed_label(url, business_id)
        rows = time_endpoints(
            base, demo["api_key"], agent_id, labelled["label_id"], args.requests, args.only
        )
    finally:
        server.stop()
        if not args.keep:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DBNAME}" WITH (FORCE)')
    result = {
        "conversations": args.conversations,
        "messages": args.messages,
        "events": events,
        **labelled,
        "prepare_and_seed_seconds": seed_seconds,
        **folded,
        "endpoints": rows,
    }
    path = write_result("reports_load" + ("_only" if args.only else ""), result)
    print(json.dumps(folded))
    print_table(
        [(r["endpoint"], r["p50_ms"], r["p99_ms"], r["max_ms"], r["bytes"]) for r in rows],
        ("endpoint", "p50 ms", "p99 ms", "max ms", "bytes"),
    )
    print(f"results: {path}")


if __name__ == "__main__":
    main()
