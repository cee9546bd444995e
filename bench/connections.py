"""How many idle widget connections one PingBack process holds, and what each costs.

    .venv/bin/python bench/connections.py --connections 10000

Starts one web process (own SQLite database, demo data), then a separate load-generator
process opens N Socket.IO connections over WebSocket with ``auth: {business_id}``, speaking
Engine.IO v4 directly (a full client object per connection would measure the client, not the
server). Connections stay idle through at least one server heartbeat; the generator answers
every ping. Reports server RSS before/after, RSS per connection, and heartbeat health (the
share of connections that got a ping and are still open at the end).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, BenchServer, print_table, rss_mib, write_result


async def hold_one(url: str, auth: dict, stats: dict, stop: asyncio.Event) -> None:
    import websockets

    try:
        async with websockets.connect(
            url, max_size=2**20, open_timeout=60, ping_interval=None
        ) as ws:
            opened = await ws.recv()
            if not str(opened).startswith("0"):
                stats["failed"] += 1
                return
            await ws.send("40" + json.dumps(auth))
            reply = str(await ws.recv())
            if not reply.startswith("40"):
                stats["refused"] += 1
                return
            stats["connected"] += 1
            pinged = False
            while not stop.is_set():
                try:
                    packet = await asyncio.wait_for(ws.recv(), timeout=1)
                except TimeoutError:
                    continue
                if packet == "2":
                    await ws.send("3")
                    if not pinged:
                        pinged = True
                        stats["pinged"] += 1
            stats["alive_at_end"] += 1
    except Exception as exc:
        stats["failed"] += 1
        stats.setdefault("errors", {}).setdefault(type(exc).__name__, 0)
        stats["errors"][type(exc).__name__] += 1


async def client_main(args) -> None:
    url = args.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    stats = {"connected": 0, "refused": 0, "failed": 0, "pinged": 0, "alive_at_end": 0}
    stop = asyncio.Event()
    auth = {"business_id": args.business_id}
    tasks = []
    started = time.monotonic()
    for i in range(args.connections):
        tasks.append(asyncio.create_task(hold_one(url, auth, stats, stop)))
        if i % args.batch == args.batch - 1:
            while stats["connected"] + stats["failed"] + stats["refused"] < i + 1 - args.batch:
                await asyncio.sleep(0.05)
    while stats["connected"] + stats["failed"] + stats["refused"] < args.connections:
        if time.monotonic() - started > args.connect_timeout:
            break
        await asyncio.sleep(0.1)
    stats["connect_seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps({"phase": "connected", **stats}), flush=True)
    # Stay idle through the server's heartbeat (ping interval) before the final count.
    await asyncio.sleep(args.hold)
    print(json.dumps({"phase": "held", **stats}), flush=True)
    sys.stdin.readline()  # the orchestrator measured RSS; now let go
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps({"phase": "done", **stats}), flush=True)


def orchestrate(args) -> None:
    server = BenchServer()
    demo = server.prepare()
    server.start(1)
    pid = server.procs[0].pid
    try:
        time.sleep(1)
        rss_before = rss_mib(pid)
        gen = subprocess.Popen(
            [
                PYTHON,
                __file__,
                "--client",
                "--url",
                server.urls[0],
                "--business-id",
                demo["business_id"],
                "--connections",
                str(args.connections),
                "--hold",
                str(args.hold),
                "--batch",
                str(args.batch),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        phases = {}
        for line in gen.stdout:
            data = json.loads(line)
            phases[data["phase"]] = data
            if data["phase"] == "held":
                rss_after = rss_mib(pid)
                gen.stdin.write("\n")
                gen.stdin.flush()
            if data["phase"] == "done":
                break
        gen.wait(60)
    finally:
        server.stop()
    held = phases["held"]
    connected = held["connected"]
    per_conn_kib = (rss_after - rss_before) * 1024 / connected if connected else float("nan")
    result = {
        "requested": args.connections,
        "connected": connected,
        "refused": held["refused"],
        "failed": held["failed"],
        "connect_seconds": held["connect_seconds"],
        "hold_seconds": args.hold,
        "pinged_share": round(held["pinged"] / connected, 4) if connected else 0,
        "alive_at_end": phases["done"]["alive_at_end"],
        "rss_before_mib": round(rss_before, 1),
        "rss_after_mib": round(rss_after, 1),
        "rss_per_connection_kib": round(per_conn_kib, 1),
        "errors": held.get("errors", {}),
    }
    print_table(
        [
            (
                result["requested"],
                connected,
                result["failed"],
                result["connect_seconds"],
                f"{result['pinged_share'] * 100:.1f}%",
                result["alive_at_end"],
                result["rss_before_mib"],
                result["rss_after_mib"],
                result["rss_per_connection_kib"],
            )
        ],
        (
            "requested",
            "connected",
            "failed",
            "connect s",
            "got ping",
            "alive at end",
            "RSS before MiB",
            "RSS after MiB",
            "KiB/conn",
        ),
    )
    print("wrote", write_result("connections", result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=10000)
    parser.add_argument(
        "--hold",
        type=float,
        default=30.0,
        help="seconds to stay idle (the server pings every 25 s)",
    )
    parser.add_argument("--batch", type=int, default=250, help="handshakes in flight")
    parser.add_argument("--connect-timeout", type=float, default=300.0)
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--business-id", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        asyncio.run(client_main(args))
    else:
        orchestrate(args)


if __name__ == "__main__":
    main()
