"""Inbound channel throughput: Telegram updates POSTed to a real web server, then every one
redelivered (the idempotent path: the provider's message id is already stored).

    .venv/bin/python bench/channels_inbound.py [--chats 200] [--per-chat 5] [--concurrency 4]
        [--postgres]

A throw-away SQLite file, or with ``--postgres`` its own database (``pb_bench_channels``,
dropped at the end); migrated, with the demo data and a Telegram channel connected over REST.
``chats * per_chat`` updates (one customer and conversation per chat) come from
``concurrency`` threads. Prints and writes bench/results/channels_inbound.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BenchServer, percentile, print_table, write_result
from bench.roundtrip import create_database, drop_database

DBNAME = "pb_bench_channels"


def post(url: str, body: bytes, headers: dict) -> tuple[int, float]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        return response.status, (time.monotonic() - started) * 1000


def run(url: str, secret: str, updates: list[bytes], concurrency: int) -> dict:
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda b: post(url, b, headers), updates))
    seconds = time.monotonic() - started
    latencies = [ms for _, ms in results]
    return {
        "requests": len(results),
        "ok": sum(1 for status, _ in results if status == 200),
        "per_second": round(len(results) / seconds, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--per-chat", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    server = BenchServer(database_url=create_database(DBNAME) if args.postgres else None)
    try:
        server.manage("migrate", "--noinput", "-v0")
        out = server.manage("demo", "--json", "--password", "bench-password-1")
        demo = json.loads(out.splitlines()[0])  # a background task may log after the JSON
        [base] = server.start()
        request = urllib.request.Request(
            base + "/api/v1/channels",
            data=json.dumps({"kind": "telegram", "credentials": {"bot_token": "1:bench"}}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {demo['api_key']}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            channel = json.loads(response.read())
        url = base + "/channels/" + channel["inbound_url"].split("/channels/", 1)[1]
        secret = channel["secrets"]["webhook_secret"]
        updates = [
            json.dumps(
                {
                    "update_id": chat * 1000 + n,
                    "message": {
                        "message_id": n,
                        "from": {"id": chat, "is_bot": False, "first_name": f"Chat {chat}"},
                        "chat": {"id": chat, "type": "private"},
                        "date": int(time.time()),
                        "text": f"message {n} from chat {chat}",
                    },
                }
            ).encode()
            for n in range(args.per_chat)
            for chat in range(1, args.chats + 1)
        ]
        first = run(url, secret, updates, args.concurrency)
        again = run(url, secret, updates, args.concurrency)
        result = {
            "database": "postgresql" if args.postgres else "sqlite",
            "chats": args.chats,
            "per_chat": args.per_chat,
            "concurrency": args.concurrency,
            "new_messages": first,
            "redelivered": again,
        }
        print_table(
            [("new", *first.values()), ("redelivered", *again.values())],
            ("pass", "requests", "ok", "req/s", "p50 ms", "p99 ms"),
        )
        write_result("channels_inbound", result)
    finally:
        server.stop()
        if args.postgres:
            drop_database(DBNAME)


if __name__ == "__main__":
    main()
