"""Round trip under offered load: PingBack (PostgreSQL + Redis) against the bare relay.

    .venv/bin/python bench/roundtrip.py --conversations 20 --rates 25,50,100,200,400 \
        --duration 8 --redis redis://127.0.0.1:6379/0

In one run, two targets get the same load:

- ``pingback``: one web process serving PingBack on its own PostgreSQL database (created and
  dropped here, demo data) with the Redis backplane (``REDIS_URL``, own ``REDIS_PREFIX``),
  socket rate limit off;
- ``bare``: one web process serving ``bench.bare_relay:app`` (python-socketio, same
  events, no Django, no persistence): the limit reference.

C conversations, each a customer socket and an agent socket (the demo owner's JWT) joined to
it, are spread over G load-generator processes (127.0.0.1 only, bounded in count, rate and
time). For each offered rate R (messages/s over all conversations) every customer emits
open-loop on a fixed schedule (R / C per second, not waiting for acks) for D seconds; latency is
customer emit -> agent ``new_message`` (same process, monotonic clock). Achieved throughput =
messages received by agents / D. The sweep of a target stops at the first rate it cannot keep
up with (received < 90 % of offered, or p50 above 1 s). Writes bench/results/roundtrip.json;
``bench/plot_roundtrip.py`` draws bench/roundtrip_latency.png from it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    PYTHON,
    BenchServer,
    free_port,
    percentile,
    print_table,
    rss_mib,
    write_result,
)
from pingback import processes

MAX_CONVERSATIONS = 200
MAX_RATE = 2000  # messages/s offered, over all conversations
MAX_DURATION = 30  # seconds per rate
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


# --- load generator (a separate process) ------------------------------------------------------


async def generate(args) -> None:
    import socketio

    conversations = json.loads(args.plan)
    sent: dict[str, float] = {}
    latencies: list[float] = []
    window: dict = {"first": None, "last": None}
    pairs = []

    for index in conversations:
        customer = socketio.AsyncClient(reconnection=False)
        agent = socketio.AsyncClient(reconnection=False)

        @agent.on("new_message")
        async def on_message(message):
            started = sent.pop(message.get("client_id") or "", None)
            if started is not None:
                now = time.perf_counter()
                latencies.append((now - started) * 1000)
                window["last"] = now

        await customer.connect(
            args.url, auth={"business_id": args.business_id}, transports=["websocket"]
        )
        await agent.connect(
            args.url,
            auth={"business_id": args.business_id, "token": args.token},
            transports=["websocket"],
        )
        ack = await customer.call(
            "client_message",
            {
                "content": f"hello from bench customer {index}",
                "customer_data": {"name": f"Bench {index}", "email": f"b{index}@example.com"},
                "client_id": f"open-{index}-{uuid.uuid4().hex[:6]}",
            },
            timeout=60,
        )
        assert ack["ok"], ack
        joined = await agent.call(
            "join_conversation", {"conversation_id": ack["conversation_id"]}, timeout=60
        )
        assert joined["ok"], joined
        pairs.append((index, customer, agent, ack["conversation_id"]))
    print(json.dumps({"ready": len(pairs)}), flush=True)

    for line in sys.stdin:  # one rate per line from the orchestrator; "stop" ends
        command = json.loads(line)
        if command == "stop":
            break
        per_conversation = command["rate"] / command["conversations"]
        duration = command["duration"]
        latencies.clear()
        sent.clear()
        window.update(first=None, last=None)
        counts = {"errors": 0, "offered": 0}

        async def customer_loop(
            index,
            customer,
            conv_id,
            per_conversation=per_conversation,
            duration=duration,
            rate=command["rate"],
            counts=counts,
        ):
            interval = 1 / per_conversation
            start = time.perf_counter() + interval * (index % 10) / 10
            n = 0
            while True:
                due = start + n * interval
                if due - start >= duration:
                    return
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                client_id = f"m-{index}-{rate}-{n}"
                sent[client_id] = time.perf_counter()
                if window["first"] is None:
                    window["first"] = sent[client_id]
                counts["offered"] += 1

                def on_ack(reply, counts=counts):
                    if not (isinstance(reply, dict) and reply.get("ok")):
                        counts["errors"] += 1

                await customer.emit(
                    "client_message",
                    {"conversation_id": conv_id, "content": f"m{n}", "client_id": client_id},
                    callback=on_ack,
                )
                n += 1

        await asyncio.gather(*(customer_loop(i, c, conv) for i, c, _, conv in pairs))
        grace = time.perf_counter() + 10  # let stragglers arrive (they count as late)
        while sent and time.perf_counter() < grace:
            await asyncio.sleep(0.05)
        print(
            json.dumps(
                {
                    "offered": counts["offered"],
                    "window": (window["last"] or 0) - (window["first"] or 0),
                    "received": len(latencies),
                    "lost": len(sent),
                    "errors": counts["errors"],
                    "latencies": latencies,
                }
            ),
            flush=True,
        )
    for _, customer, agent, _ in pairs:
        await customer.disconnect()
        await agent.disconnect()


# --- targets ----------------------------------------------------------------------------------


def create_database(name: str) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class PingBackTarget:
    name = "pingback"

    def __init__(self, redis_url: str | None):
        self.dbname = f"pb_bench_roundtrip_{os.getpid()}"
        self.server = BenchServer(
            database_url=create_database(self.dbname),
            redis_url=redis_url,
            # AI tasks go to an in-process broker nobody consumes: the assistant is not part of
            # the relay path measured here, and the shared Redis gets no stray task queue.
            extra_env={"SOCKETIO_RATE_LIMIT_PER_SECOND": "0", "CELERY_BROKER_URL": "memory://"},
        )
        self.redis = bool(redis_url)

    def start(self) -> dict:
        demo = self.server.prepare()
        [url] = self.server.start(1)
        req = urllib.request.Request(
            url + "/api/v1/auth/token",
            data=json.dumps(
                {"email": demo["owner"]["email"], "password": demo["owner"]["password"]}
            ).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            token = json.loads(resp.read())["access"]
        return {"url": url, "business_id": demo["business_id"], "token": token}

    @property
    def pid(self) -> int:
        return self.server.procs[0].pid

    def stop(self) -> None:
        self.server.stop()
        drop_database(self.dbname)


class BareTarget:
    name = "bare"

    def __init__(self):
        self.port = free_port()
        self.process = processes.web(self.port, dict(os.environ), app="bench.bare_relay:app")

    def start(self) -> dict:
        url = f"http://127.0.0.1:{self.port}"
        self.process.start().wait_http(url + "/socket.io/?EIO=4&transport=polling", timeout=30)
        return {"url": url, "business_id": "bare", "token": "none"}

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        self.process.stop()


def python_generator(info: dict, plan: list[int], args) -> subprocess.Popen:
    """A load-generator process of this script (``--generate``) for the conversations ``plan``."""
    return subprocess.Popen(
        [
            *(PYTHON, __file__, "--generate", "--url", info["url"]),
            *("--business-id", info["business_id"], "--token", info["token"]),
            *("--plan", json.dumps(plan)),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


class Probe:
    """Extra measurements around each rate (``bench/roundtrip_node.py`` adds CPU, database
    counters and profiles); this one adds nothing."""

    def before(self, target, rate: int):
        return None

    def after(self, target, rate: int, state, received: int) -> dict:
        return {}


def sweep(target, args, rates: list[int], spawn=python_generator, probe=None) -> list[dict]:
    """Offer each rate in turn to ``target`` from ``args.generators`` processes made by
    ``spawn(info, plan, args)``; stop at the first rate it cannot keep up with. The one sweep of
    both round-trip benchmarks."""
    probe = probe or Probe()
    gens, points = [], []
    try:
        info = target.start()
        for g in range(args.generators):
            gens.append(spawn(info, list(range(g, args.conversations, args.generators)), args))
        for gen in gens:
            assert "ready" in json.loads(gen.stdout.readline())
        for rate in rates:
            state = probe.before(target, rate)
            for gen in gens:
                command = {
                    "rate": rate,
                    "conversations": args.conversations,
                    "duration": args.duration,
                }
                gen.stdin.write(json.dumps(command) + "\n")
                gen.stdin.flush()
            reports = [json.loads(gen.stdout.readline()) for gen in gens]
            latencies = [x for r in reports for x in r["latencies"]]
            received = sum(r["received"] for r in reports)
            point = {
                "target": target.name,
                "offered_rate": rate,
                "offered": sum(r["offered"] for r in reports),
                "received": received,
                "lost": sum(r["lost"] for r in reports),
                "errors": sum(r["errors"] for r in reports),
                # Delivered per second over the time it took to deliver them all.
                "achieved_rate": round(
                    received / max(args.duration, *(r["window"] for r in reports)), 1
                ),
                "p50": round(percentile(latencies, 50), 1),
                "p95": round(percentile(latencies, 95), 1),
                "p99": round(percentile(latencies, 99), 1),
                **probe.after(target, rate, state, received),
                "server_rss_mib": round(rss_mib(target.pid), 1),
            }
            points.append(point)
            print(json.dumps(point), file=sys.stderr, flush=True)
            if point["achieved_rate"] < 0.9 * rate or point["p50"] > 1000:
                break
        for gen in gens:
            gen.stdin.write('"stop"\n')
            gen.stdin.flush()
        for gen in gens:
            gen.wait(60)
    finally:
        for gen in gens:
            if gen.poll() is None:
                gen.kill()
        target.stop()
    return points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--generators", type=int, default=2, help="load-generator processes")
    parser.add_argument("--rates", default="25,50,100,200,400", help="offered messages/s")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per rate")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL"))
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--business-id", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--plan", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        asyncio.run(generate(args))
        return
    args.conversations = min(args.conversations, MAX_CONVERSATIONS)
    args.generators = max(1, min(args.generators, 4, args.conversations))
    args.duration = min(args.duration, MAX_DURATION)
    rates = [min(int(r), MAX_RATE) for r in args.rates.split(",")]

    started = time.time()
    pingback = sweep(PingBackTarget(args.redis), args, rates)
    bare = sweep(BareTarget(), args, rates)
    best_pb = max(p["achieved_rate"] for p in pingback)
    best_bare = max(p["achieved_rate"] for p in bare)
    half = [p for p in pingback if p["achieved_rate"] <= best_pb / 2 + 1e-9]
    result = {
        "conversations": args.conversations,
        "generators": args.generators,
        "duration_per_rate_s": args.duration,
        "pingback": {"database": "postgresql", "redis": bool(args.redis), "points": pingback},
        "bare": {"points": bare},
        "max_rate": {"pingback": best_pb, "bare": best_bare},
        "ratio": round(best_pb / best_bare, 3) if best_bare else None,
        "p99_at_half_max_ms": half[-1]["p99"] if half else None,
        "wall_seconds": round(time.time() - started, 1),
    }
    path = write_result("roundtrip", result)
    print_table(
        [
            (
                p["target"],
                p["offered_rate"],
                p["achieved_rate"],
                p["received"],
                p["lost"],
                p["p50"],
                p["p95"],
                p["p99"],
            )
            for p in pingback + bare
        ],
        ("target", "offered/s", "achieved/s", "received", "lost", "p50 ms", "p95 ms", "p99 ms"),
    )
    print(
        f"max: pingback {best_pb}/s, bare {best_bare}/s, ratio {result['ratio']}; "
        f"p99 at <= half max: {result['p99_at_half_max_ms']} ms"
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
