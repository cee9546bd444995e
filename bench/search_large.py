"""Search at 100,000 conversations and 1,000,000 messages on PostgreSQL (tsvector + GIN).

    .venv/bin/python bench/search_large.py [--conversations 100000] [--messages 1000000]
                                           [--requests 200] [--keep]

Creates its own database (``pb_bench_search_large``), migrates it (the GIN index on
``to_tsvector('simple', content)`` comes from search/migrations/0001), adds the demo data and
seeds the demo business with messages of 6-14 words drawn from a 5,000-word vocabulary with a
Zipf-like skew, plus an order number in one message of twenty (rare terms). Then, against one
web process over keep-alive HTTP, p50/p99 of ``GET /api/v1/search?q=`` for query kinds
(a common word, a rare word, two words, a prefix, an order number, a customer email, an id), as
the API key (sees everything) and as the demo's plain agent (the visibility filter applies),
plus ``EXPLAIN ANALYZE`` of the message query. Results go to bench/results/search_large.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BenchServer, percentile, print_table, write_result
from bench.rest_large import MAX_CONVERSATIONS, MAX_MESSAGES, PG_ADMIN, seed

DBNAME = "pb_bench_search_large"
SYLLABLES = ["ka", "lo", "mi", "ren", "tor", "vel", "sa", "di", "mu", "pan", "qui", "zo", "ber"]


def vocabulary(n: int = 5000) -> list[str]:
    rng = random.Random(5)
    words = {"refund", "invoice", "shipping", "password", "delivery", "broken", "charged"}
    while len(words) < n:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


WORDS = vocabulary()
# Zipf-like: word k is drawn with weight 1/(k+1).
WEIGHTS = [1 / (k + 1) for k in range(len(WORDS))]


def message_text(i: int, m: int, rng: random.Random) -> str:
    words = rng.choices(WORDS, WEIGHTS, k=rng.randint(6, 14))
    if m == 0 and i % 20 == 0:
        words.append(f"order{i:07d}")
    return " ".join(words)


def queries(n_conv: int, rng: random.Random) -> dict[str, list[str]]:
    common = WORDS[:20]
    rare = WORDS[-500:]
    return {
        "common word": [rng.choice(common) for _ in range(50)],
        "rare word": [rng.choice(rare) for _ in range(50)],
        "two words": [f"{rng.choice(common)} {rng.choice(WORDS[:300])}" for _ in range(50)],
        "prefix": [rng.choice(WORDS[:500])[:4] for _ in range(50)],
        "order number": [f"order{rng.randrange(0, n_conv, 20):07d}" for _ in range(50)],
        "customer email": [f"v{rng.randrange(n_conv)}@example.com" for _ in range(50)],
    }


def time_queries(base: str, token: str, kinds: dict, n: int) -> list[dict]:
    import httpx

    rows = []
    with httpx.Client(
        base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        for _ in range(5):  # warm-up
            http.get("/api/v1/search", params={"q": "refund"})
        for kind, qs in kinds.items():
            times, found = [], []
            for k in range(n):
                q = qs[k % len(qs)]
                t0 = time.perf_counter()
                response = http.get("/api/v1/search", params={"q": q})
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, response.text
                found.append(len(response.json()["results"]))
            rows.append(
                {
                    "kind": kind,
                    "requests": n,
                    "p50_ms": round(percentile(times, 50), 1),
                    "p99_ms": round(percentile(times, 99), 1),
                    "max_ms": round(max(times), 1),
                    "mean_results": round(sum(found) / len(found), 1),
                }
            )
    return rows


def explain(url: str, word: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        plan = conn.execute(
            "EXPLAIN (ANALYZE, FORMAT TEXT) SELECT m.conversation_id, m.id FROM "
            "conversations_message m, to_tsquery('simple', %s) q "
            "WHERE to_tsvector('simple', m.content) @@ q "
            "ORDER BY m.id DESC LIMIT 80",
            (word,),
        ).fetchall()
    return "\n".join(r[0] for r in plan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="per query kind and caller")
    parser.add_argument("--keep", action="store_true", help="keep the database for a re-run")
    args = parser.parse_args()
    n_conv = min(args.conversations, MAX_CONVERSATIONS)
    n_msg = min(args.messages, MAX_MESSAGES)

    import httpx
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DBNAME,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DBNAME}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + DBNAME
    # Notification emails to memory: console mail would land on the stdout of manage.py demo.
    server = BenchServer(database_url=url, extra_env={"EMAIL_URL": "locmem://"})
    try:
        t0 = time.monotonic()
        demo = server.prepare()
        seeded = seed(url, demo["business_id"], n_conv, n_msg, content=message_text)
        seed_seconds = round(time.monotonic() - t0, 1)
        [base] = server.start(1)
        agent = httpx.post(
            base + "/api/v1/auth/token",
            json={"email": demo["agent"]["email"], "password": demo["agent"]["password"]},
        ).json()["access"]
        kinds = queries(n_conv, random.Random(11))
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {demo['api_key']}"}
        ) as h:
            some_id = h.get("/api/v1/conversations", params={"limit": 1}).json()["results"][0]["id"]
        kinds["conversation id"] = [str(some_id - k) for k in range(50)]
        by_key = time_queries(base, demo["api_key"], kinds, args.requests)
        by_agent = time_queries(base, agent, kinds, args.requests)
        plan = explain(url, WORDS[-1])
    finally:
        server.stop()
        if not args.keep:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DBNAME}" WITH (FORCE)')
    result = {
        "conversations": n_conv,
        "messages": n_msg,
        "seeded": seeded["seeded"],
        "seed_seconds": seed_seconds,
        "api_key": by_key,
        "plain_agent": by_agent,
        "explain_rare_word": plan,
    }
    path = write_result("search_large", result)
    for caller, rows in (("API key", by_key), ("plain agent", by_agent)):
        print(f"\n{caller}:")
        print_table(
            [(r["kind"], r["p50_ms"], r["p99_ms"], r["max_ms"], r["mean_results"]) for r in rows],
            ("query", "p50 ms", "p99 ms", "max ms", "results"),
        )
    print(f"\n{json.dumps({'result': str(path)})}")


if __name__ == "__main__":
    main()
