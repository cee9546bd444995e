"""Topics API fan-out latency: N subscribed connections, one event, p50/p99 event-to-receipt.

    .venv/bin/python bench/topics_fanout.py [--connections 1000] [--redis redis://...]

Starts a throw-away daphne server (own SQLite database, demo data, connection limits off),
then a separate load-generator process that opens N WebSocket connections to
ws://127.0.0.1/api/ with the demo owner's JWT and subscribes each to /<project>/requests.
Once all snapshots arrived, this process creates one conversation through the REST API (the
event is produced inside the server) and the generator records when each connection
receives the matching CREATE publish. Latency = receipt - the moment the REST call was sent
(both processes read the same wall clock). Results go to bench/results/topics_fanout.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, BenchServer, percentile, print_table, write_result

MAX_CONNECTIONS = 5000  # bounded: this is a local benchmark, not a load tool


def http_json(method: str, url: str, body=None, token: str | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def first_list(payload: dict) -> list:
    return next(v for v in payload.values() if isinstance(v, list))


# --- the load generator (a separate process) --------------------------------------------------


async def generator(ws_url: str, topic: str, n: int, deadline: float) -> None:
    from websockets.asyncio.client import connect

    async def one(i: int, ready: asyncio.Event, results: dict):
        async with connect(ws_url, open_timeout=60, max_queue=None) as ws:
            await ws.send(json.dumps({"action": "subscribe", "payload": {"topic": topic}}))
            while True:
                frame = json.loads(await ws.recv())
                if frame.get("action") == "publish":
                    break
            counter["ready"] += 1
            if counter["ready"] == n:
                ready.set()
            while True:
                frame = json.loads(await ws.recv())
                payload = frame.get("payload", {})
                if frame.get("action") == "publish" and payload.get("method") == "CREATE":
                    results[i] = time.time()
                    return

    counter = {"ready": 0}
    ready = asyncio.Event()
    results: dict[int, float] = {}
    tasks = []
    for start in range(0, n, 100):  # connect in batches so the server's backlog holds
        tasks += [
            asyncio.create_task(one(i, ready, results)) for i in range(start, start + 100) if i < n
        ]
        while counter["ready"] < len(tasks) and not any(t.done() for t in tasks):
            await asyncio.sleep(0.01)
    await asyncio.wait_for(ready.wait(), timeout=max(1.0, deadline - time.time()))
    print("READY", flush=True)
    done, pending = await asyncio.wait(tasks, timeout=max(1.0, deadline - time.time()))
    for task in pending:
        task.cancel()
    errors = [repr(t.exception()) for t in done if t.exception() is not None]
    print(json.dumps({"received": results, "errors": errors[:5]}), flush=True)


# --- the driver -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--redis", default=None, help="run the server on this Redis")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--generator", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generator:
        ws_url, topic, n = args.generator
        asyncio.run(generator(ws_url, topic, int(n), time.time() + args.timeout))
        return

    n = min(args.connections, MAX_CONNECTIONS)
    server = BenchServer(
        redis_url=args.redis,
        extra_env={
            "TOPICS_CONNECTIONS_PER_MINUTE": "0",
            "TOPICS_MAX_CONNECTIONS_PER_USER": "0",
            "TOPICS_HEARTBEAT_INTERVAL": "0",
            "TOPICS_IDLE_TIMEOUT": "0",
        },
    )
    try:
        demo = server.prepare()
        [url] = server.start(1)
        api = url + "/api/v1"
        token = http_json(
            "POST",
            api + "/auth/token",
            {"email": demo["owner"]["email"], "password": demo["owner"]["password"]},
        )["access"]
        customer_id = first_list(http_json("GET", api + "/customers", token=demo["api_key"]))[0][
            "id"
        ]
        # Warm-up: the first conversation created in a fresh process pays one-off imports and
        # pool start-ups in the pipeline's subscribers; measure a warm server.
        http_json(
            "POST", api + "/conversations", {"customer_id": customer_id}, token=demo["api_key"]
        )
        topic = f"/{demo['business_id']}/requests"
        ws_url = url.replace("http://", "ws://") + f"/api/?token={token}"
        gen = subprocess.Popen(
            [
                PYTHON,
                __file__,
                "--timeout",
                str(args.timeout),
                "--generator",
                ws_url,
                topic,
                str(n),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        connect_started = time.time()
        line = gen.stdout.readline().strip()
        if line != "READY":
            raise RuntimeError(f"load generator failed: {line!r}")
        connect_seconds = time.time() - connect_started
        server_rss = _rss(server.procs[0].pid)
        sent = time.time()
        http_json(
            "POST", api + "/conversations", {"customer_id": customer_id}, token=demo["api_key"]
        )
        answered = time.time()
        report = json.loads(gen.stdout.readline())
        gen.wait(30)
        received = list(report["received"].values())
        latencies = [(t - sent) * 1000 for t in received]
        result = {
            "connections": n,
            "received": len(received),
            "errors": report["errors"],
            "connect_and_subscribe_seconds": round(connect_seconds, 2),
            "rest_call_ms": round((answered - sent) * 1000, 1),
            "latency_ms": {
                "p50": round(percentile(latencies, 50), 1),
                "p99": round(percentile(latencies, 99), 1),
                "max": round(max(latencies), 1) if latencies else None,
            },
            "server_rss_mib": round(server_rss, 1),
            "channel_layer": "redis" if args.redis else "in-memory",
        }
        path = write_result("topics_fanout", result)
        print_table(
            [
                (
                    n,
                    len(received),
                    result["latency_ms"]["p50"],
                    result["latency_ms"]["p99"],
                    result["latency_ms"]["max"],
                    result["rest_call_ms"],
                    result["server_rss_mib"],
                )
            ],
            ("connections", "received", "p50 ms", "p99 ms", "max ms", "REST ms", "server MiB"),
        )
        print(f"written to {path}")
    finally:
        server.stop()


def _rss(pid: int) -> float:
    from bench.common import rss_mib

    return rss_mib(pid)


if __name__ == "__main__":
    main()
