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
receipts; and, apart, receipt - the conversation's ``created_at`` (the server's clock when the
event was made, before its commit), which leaves out the REST call's own request handling.
``--profile`` records the web process with py-spy during the events (raw collapsed stacks,
bench/results/profile-topics-fanout.txt). Results go to bench/results/topics_fanout.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PY_SPY, RESULTS, BenchServer, percentile, print_table, write_result

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
    parser.add_argument("--profile", action="store_true", help="py-spy the server's events")
    parser.add_argument(
        "--deflate",
        action="store_true",
        help="receivers offer permessage-deflate, as browsers do (the server decides)",
    )
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
            "deflate": args.deflate,
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
        spy = None
        if args.profile:
            spy = _profile(server.procs[0].pid, args.events * (args.gap + 0.1))
        sent, made, rest_ms = [], [], []
        for _ in range(args.events):
            sent.append(time.time())
            created = http_json(
                "POST", api + "/conversations", {"customer_id": customer_id}, token=demo["api_key"]
            )
            rest_ms.append((time.time() - sent[-1]) * 1000)
            made.append(datetime.fromisoformat(created["created_at"]).timestamp())
            time.sleep(args.gap)
        if spy is not None:
            spy.wait(60)
        report = json.loads(gen.stdout.readline())
        gen.wait(30)
        # Each connection receives the events in order: its k-th CREATE is the k-th event.
        latencies = _since(report, sent)
        from_event = _since(report, made)
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
            # From the event's creation in the server (its created_at) to receipt.
            "event_latency_ms": {
                "p50": round(percentile(from_event, 50), 1),
                "p99": round(percentile(from_event, 99), 1),
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
                    result["event_latency_ms"]["p50"],
                    result["event_latency_ms"]["p99"],
                    result["rest_call_ms"],
                    result["server_rss_mib"],
                )
            ],
            (
                *("connections", "received", "p50 ms", "p99 ms", "max ms"),
                *("from event p50", "from event p99", "REST ms", "server MiB"),
            ),
        )
        print(f"written to {path}")
    finally:
        server.stop()


def _since(report: dict, starts: list[float]) -> list[float]:
    """Every receipt's milliseconds since its event's start (``starts[k]`` for the k-th)."""
    return [
        (t - starts[k]) * 1000 for times in report["received"].values() for k, t in enumerate(times)
    ]


def _profile(pid: int, seconds: float) -> subprocess.Popen:
    RESULTS.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [
            *(PY_SPY, "record", "--format", "raw", "--rate", "500"),
            *("--duration", str(max(1, round(seconds))), "--pid", str(pid), "--nonblocking"),
            *("-o", str(RESULTS / "profile-topics-fanout.txt")),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _rss(pid: int) -> float:
    from bench.common import rss_mib

    return rss_mib(pid)


if __name__ == "__main__":
    main()
