"""Topics API fan-out latency: N subscribed connections, E events, p50/p99 event-to-receipt.

    (cd bench/js && npm install)        # once: ws for the receivers
    .venv/bin/python bench/topics_fanout.py [--connections 1000] [--events 10] [--redis redis://...]

Starts a throw-away web server (own SQLite database, demo data, connection limits off),
then a Node receiver process (``bench/js/topics_receivers.mjs``, ``ws``) that opens N
WebSocket connections to ws://127.0.0.1/api/ with the demo owner's JWT and subscribes each to
/<project>/requests. Once all snapshots arrived, this process creates E conversations through
the REST API, one every --gap seconds (each event is produced inside the server), and the
receivers record when each connection receives each CREATE publish. Latency = receipt - the
moment the REST call was sent (both processes read the same wall clock), over all N x E
receipts. Results go to bench/results/topics_fanout.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BenchServer, percentile, print_table, write_result

RECEIVERS = Path(__file__).resolve().parent / "js" / "topics_receivers.mjs"
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


# --- the driver -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--redis", default=None, help="run the server on this Redis")
    parser.add_argument(
        "--events", type=int, default=10, help="conversations created, one every --gap seconds"
    )
    parser.add_argument("--gap", type=float, default=0.5)
    parser.add_argument(
        "--settle",
        type=float,
        default=15.0,
        help="seconds between the last subscribe and the first event (steady state: the "
        "server's collector has frozen the connections, pingback.gc_pauses)",
    )
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()

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
        config = {
            "url": ws_url,
            "topic": topic,
            "connections": n,
            "events": args.events,
            "timeout": args.timeout,
        }
        gen = subprocess.Popen(
            ["node", str(RECEIVERS), json.dumps(config)], stdout=subprocess.PIPE, text=True
        )
        connect_started = time.time()
        line = gen.stdout.readline().strip()
        if line != "READY":
            raise RuntimeError(f"load generator failed: {line!r}")
        connect_seconds = time.time() - connect_started
        server_rss = _rss(server.procs[0].pid)
        time.sleep(args.settle)
        sent, rest_ms = [], []
        for _ in range(args.events):
            sent.append(time.time())
            http_json(
                "POST", api + "/conversations", {"customer_id": customer_id}, token=demo["api_key"]
            )
            rest_ms.append((time.time() - sent[-1]) * 1000)
            time.sleep(args.gap)
        report = json.loads(gen.stdout.readline())
        gen.wait(30)
        # Each connection receives the events in order: its k-th CREATE is the k-th event.
        latencies = [
            (t - sent[k]) * 1000
            for times in report["received"].values()
            for k, t in enumerate(times)
        ]
        received = [times for times in report["received"].values() if len(times) == args.events]
        result = {
            "connections": n,
            "events": args.events,
            "received": len(received),
            "errors": report["errors"],
            "connect_and_subscribe_seconds": round(connect_seconds, 2),
            "rest_call_ms": round(percentile(rest_ms, 50), 1),
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
