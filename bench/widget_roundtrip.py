"""Widget round trip: customer emit -> persisted -> agent socket receipt, over Socket.IO.

    .venv/bin/python bench/widget_roundtrip.py --conversations 20 --messages 25
    .venv/bin/python bench/widget_roundtrip.py --redis redis://127.0.0.1:6379/0 --processes 2

Starts its own web process(es) with a throw-away SQLite database (or --database-url) and
the demo data, rate limit off. C conversations each get a customer socket (which starts the
conversation with its first message) and an agent socket (the demo owner's JWT) joined to it;
with two processes the customer is on the first and the agent on the second. Then every
customer sends M messages one after another, each acked only once stored; the clock for a
message runs from the customer's emit until the agent socket receives its new_message.
Prints and writes bench/results/widget_roundtrip.json: messages/s and p50/p95/p99 latency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import socketio

from bench.common import BenchServer, percentile, print_table, rss_mib, write_result


def obtain_jwt(url: str, email: str, password: str) -> str:
    req = urllib.request.Request(
        url + "/api/v1/auth/token/",
        data=json.dumps({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())["access"]


async def conversation_pair(index, customer_url, agent_url, business_id, jwt, received):
    customer = socketio.AsyncClient(reconnection=False)
    agent = socketio.AsyncClient(reconnection=False)

    @agent.on("new_message")
    async def on_message(message):
        if message.get("sender_type") == "customer" and message.get("client_id"):
            received.setdefault(message["client_id"], time.perf_counter())

    await customer.connect(
        customer_url, auth={"business_id": business_id}, transports=["websocket"]
    )
    await agent.connect(
        agent_url, auth={"business_id": business_id, "token": jwt}, transports=["websocket"]
    )
    ack = await customer.call(
        "client_message",
        {
            "content": f"hello from bench customer {index}",
            "customer_data": {"name": f"Bench {index}", "email": f"bench{index}@example.com"},
            "client_id": f"c{index}-open",
        },
        timeout=60,
    )
    assert ack["ok"], ack
    joined = await agent.call("join_conversation", {"conversation_id": ack["conversation_id"]})
    assert joined["ok"], joined
    return customer, agent, ack["conversation_id"]


async def customer_loop(index, customer, conv_id, messages, sent):
    for n in range(messages):
        client_id = f"c{index}-{n}"
        sent[client_id] = time.perf_counter()
        ack = await customer.call(
            "client_message",
            {
                "content": f"message {n} from {index}",
                "conversation_id": conv_id,
                "client_id": client_id,
            },
            timeout=60,
        )
        assert ack["ok"], ack


async def run(args, urls, demo, jwt) -> dict:
    customer_url, agent_url = urls[0], urls[-1]
    received: dict[str, float] = {}
    sent: dict[str, float] = {}
    pairs = []
    for i in range(args.conversations):  # connect gradually: connection set-up is not measured
        pairs.append(
            await conversation_pair(i, customer_url, agent_url, demo["business_id"], jwt, received)
        )
    received.clear()
    start = time.perf_counter()
    await asyncio.gather(
        *(customer_loop(i, c, conv, args.messages, sent) for i, (c, _, conv) in enumerate(pairs))
    )
    total = args.conversations * args.messages
    deadline = time.perf_counter() + 60
    while len([k for k in sent if k in received]) < total and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    elapsed = max(received.values()) - start if received else float("nan")
    latencies = [(received[k] - sent[k]) * 1000 for k in sent if k in received]
    for customer, agent, _ in pairs:
        await customer.disconnect()
        await agent.disconnect()
    return {
        "messages": total,
        "received": len(latencies),
        "seconds": round(elapsed, 3),
        "messages_per_second": round(len(latencies) / elapsed, 1),
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 1),
            "p95": round(percentile(latencies, 95), 1),
            "p99": round(percentile(latencies, 99), 1),
            "max": round(max(latencies), 1),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--messages", type=int, default=25, help="per conversation")
    parser.add_argument("--redis", help="REDIS_URL for the server(s)")
    parser.add_argument("--processes", type=int, default=1, help="2+: agent on another process")
    parser.add_argument("--database-url", help="default: a throw-away SQLite file")
    args = parser.parse_args()
    if args.processes > 1 and not args.redis:
        parser.error("--processes above 1 needs --redis")
    server = BenchServer(
        database_url=args.database_url,
        redis_url=args.redis,
        extra_env={"SOCKETIO_RATE_LIMIT_PER_SECOND": "0"},
    )
    try:
        demo = server.prepare()
        urls = server.start(args.processes)
        jwt = obtain_jwt(urls[0], demo["owner"]["email"], demo["owner"]["password"])
        result = asyncio.run(run(args, urls, demo, jwt))
        result["server_rss_mib"] = [round(rss_mib(p.pid), 1) for p in server.procs]
    finally:
        server.stop()
    result.update(
        conversations=args.conversations,
        per_conversation=args.messages,
        processes=args.processes,
        layer="redis" if args.redis else "in-memory",
        database="postgresql" if args.database_url else "sqlite",
    )
    path = write_result("widget_roundtrip", result)
    lat = result["latency_ms"]
    print_table(
        [
            (
                result["messages"],
                result["received"],
                result["messages_per_second"],
                lat["p50"],
                lat["p95"],
                lat["p99"],
                lat["max"],
            )
        ],
        ("messages", "received", "msgs/s", "p50 ms", "p95 ms", "p99 ms", "max ms"),
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
