"""Time from a visitor's question to the assistant's answer in the widget (demo knowledge base).

    .venv/bin/python bench/ai_reply_latency.py --samples 30

Starts one embedded PingBack process (own SQLite database, demo data: AI on, five articles).
Each sample is a new widget visitor (Socket.IO over WebSocket) asking a demo question; we
measure until the ``typing`` event of the assistant and until its ``new_message`` (is_ai).
The answer runs off the request path on the in-process task pool, as in the embedded default.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BenchServer, percentile, print_table, write_result

QUESTIONS = [
    "How do I reset my password?",
    "What plans do you offer?",
    "Can I get a refund?",
    "What are your opening hours?",
    "Do you have an API?",
]


async def one(url: str, business_id: str, question: str, index: int) -> tuple[float, float]:
    import socketio

    client = socketio.AsyncClient(reconnection=False)
    typing = asyncio.get_running_loop().create_future()
    answer = asyncio.get_running_loop().create_future()

    @client.on("typing")
    async def on_typing(data):
        if data.get("user_id") == "ai" and not typing.done():
            typing.set_result(time.perf_counter())

    @client.on("new_message")
    async def on_message(data):
        if data.get("is_ai") and not answer.done():
            answer.set_result(time.perf_counter())

    await client.connect(url, auth={"business_id": business_id}, transports=["websocket"])
    try:
        start = time.perf_counter()
        ack = await client.call(
            "client_message",
            {
                "content": question,
                "customer_data": {"name": f"Bench {index}", "email": f"bench{index}@example.com"},
            },
            timeout=10,
        )
        if not ack.get("ok"):
            raise RuntimeError(ack)
        done = await asyncio.wait_for(answer, 10)
        shown = typing.result() if typing.done() else float("nan")
        return (shown - start) * 1000, (done - start) * 1000
    finally:
        await client.disconnect()


async def run(url: str, business_id: str, samples: int) -> tuple[list[float], list[float]]:
    typing_ms, answer_ms = [], []
    for i in range(samples):
        t, a = await one(url, business_id, QUESTIONS[i % len(QUESTIONS)], i)
        typing_ms.append(t)
        answer_ms.append(a)
    return typing_ms, answer_ms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=30)
    args = parser.parse_args()
    server = BenchServer()
    try:
        demo = server.prepare()
        (url,) = server.start(1)
        asyncio.run(one(url, demo["business_id"], QUESTIONS[0], -1))  # warm-up
        typing_ms, answer_ms = asyncio.run(run(url, demo["business_id"], args.samples))
    finally:
        server.stop()
    rows = [
        (name, len(v), f"{percentile(v, 50):.1f}", f"{percentile(v, 95):.1f}", f"{max(v):.1f}")
        for name, v in (("assistant typing", typing_ms), ("assistant answer", answer_ms))
    ]
    print_table(rows, ("ms from question to", "n", "p50", "p95", "max"))
    path = write_result(
        "ai_reply_latency",
        {
            "samples": args.samples,
            "typing_ms": {"p50": percentile(typing_ms, 50), "p95": percentile(typing_ms, 95)},
            "answer_ms": {
                "p50": percentile(answer_ms, 50),
                "p95": percentile(answer_ms, 95),
                "max": max(answer_ms),
            },
        },
    )
    print(f"results: {path}")


if __name__ == "__main__":
    main()
