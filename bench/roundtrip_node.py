"""Round trip under open-loop load from Node ``socket.io-client``: PingBack against the bare relay.

    (cd bench/js && npm install)          # once: socket.io-client for the load generator
    .venv/bin/python bench/roundtrip_node.py --redis redis://127.0.0.1:6379/0 \
        --pingback-rates 200,400,800,1200 --bare-rates 1000,2000,4000,6000 --duration 4

Same targets as ``bench/roundtrip.py`` (PingBack: one web process on its own PostgreSQL
database with the Redis backplane; ``bench.bare_relay``: python-socketio, same events, no
Django, no persistence), in one run, but the load comes from G Node processes
(``bench/js/load.mjs``): Python generators could not saturate the bare relay, so its figure
(and the ratio) was a floor. Customers emit open-loop on a fixed schedule; latency = customer
emit -> agent ``new_message``; achieved = delivered / max(duration, delivery window). A target's
sweep stops at the first rate it cannot keep up with (delivered < 90 % of offered or p50 > 1 s).

``--profile-rate R`` records the PingBack web process with ``py-spy record`` (raw collapsed
stacks, bench/results/profile-<R>.txt) while rate R runs. The server's CPU share per step is
read from /proc. Writes bench/results/roundtrip_node.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PY_SPY, RESULTS, print_table, write_result
from bench.roundtrip import PG_ADMIN, BareTarget, PingBackTarget, Probe, sweep

LOAD = Path(__file__).resolve().parent / "js" / "load.mjs"
MAX_CONVERSATIONS = 200
MAX_RATE = 10000
MAX_DURATION = 10


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


DB_STATS = (
    "xact_commit",
    "xact_rollback",
    "tup_returned",
    "tup_fetched",
    "tup_inserted",
    "tup_updated",
)


def db_stats(target) -> dict | None:
    """The target database's counters (pg_stat_database; PostgreSQL flushes them within ~1 s)."""
    name = getattr(target, "dbname", None)
    if name is None:
        return None
    import psycopg

    time.sleep(1.2)
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            f"SELECT {', '.join(DB_STATS)} FROM pg_stat_database WHERE datname = %s",  # noqa: S608 (constant names)
            (name,),
        ).fetchone()
    return dict(zip(DB_STATS, row, strict=True))


def node_generator(info: dict, plan: list[int], args) -> subprocess.Popen:
    """A Node load-generator process (``bench/js/load.mjs``) for the conversations ``plan``."""
    config = {**info, "plan": plan, "grace": args.grace}
    return subprocess.Popen(
        ["node", str(LOAD), json.dumps(config)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


class ServerCost(Probe):
    """The server's CPU share and CPU time per delivered message, the database's counters per
    message (PingBack), and a py-spy profile at ``--profile-rate``."""

    def __init__(self, profile_rate: int | None, duration: float):
        self.profile_rate, self.duration = profile_rate, duration

    def before(self, target, rate: int):
        spy = None
        if target.name == "pingback" and rate == self.profile_rate:
            RESULTS.mkdir(parents=True, exist_ok=True)
            spy = subprocess.Popen(
                [
                    *(PY_SPY, "record", "--format", "raw"),
                    *("--rate", "200", "--duration", str(int(self.duration))),
                    *("--pid", str(target.pid), "--threads", "--nonblocking"),
                    *("-o", str(RESULTS / f"profile-{rate}.txt")),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        return spy, db_stats(target), cpu_seconds(target.pid), time.monotonic()

    def after(self, target, rate: int, state, received: int) -> dict:
        spy, stats_before, cpu_before, clock_before = state
        cpu_used = cpu_seconds(target.pid) - cpu_before
        stats_after = db_stats(target)
        if spy is not None:
            spy.wait(30)
        out = {
            "server_cpu": round(cpu_used / (time.monotonic() - clock_before), 2),
            # Contention-proof cost: the server's CPU time per delivered message.
            "server_cpu_ms_per_msg": round(cpu_used * 1000 / received, 3) if received else None,
        }
        if stats_before and received:
            out["db_per_msg"] = {
                k: round((stats_after[k] - stats_before[k]) / received, 2) for k in DB_STATS
            }
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--generators", type=int, default=2, help="Node load processes")
    parser.add_argument("--pingback-rates", default="200,400,800,1200,1600")
    parser.add_argument("--bare-rates", default="1000,2000,3000,4000,6000,8000")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per rate")
    parser.add_argument("--grace", type=float, default=3.0, help="seconds to wait for stragglers")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL"))
    parser.add_argument("--profile-rate", type=int, default=None)
    parser.add_argument("--only", choices=("pingback", "bare"), default=None)
    args = parser.parse_args()
    args.conversations = min(args.conversations, MAX_CONVERSATIONS)
    args.generators = max(1, min(args.generators, 4, args.conversations))
    args.duration = min(args.duration, MAX_DURATION)

    def rates(text):
        return [min(int(r), MAX_RATE) for r in text.split(",")]

    started = time.time()
    cost = ServerCost(args.profile_rate, args.duration)

    def run(target, rates_text):
        return sweep(target, args, rates(rates_text), spawn=node_generator, probe=cost)

    pingback = [] if args.only == "bare" else run(PingBackTarget(args.redis), args.pingback_rates)
    bare = [] if args.only == "pingback" else run(BareTarget(), args.bare_rates)

    def best(points):
        kept = [p["achieved_rate"] for p in points if p["achieved_rate"] >= 0.9 * p["offered_rate"]]
        return max(kept or [p["achieved_rate"] for p in points] or [0])

    best_pb, best_bare = best(pingback), best(bare)
    half = [p for p in pingback if p["offered_rate"] <= best_pb / 2 + 1e-9]
    result = {
        "load_generator": "node socket.io-client",
        "conversations": args.conversations,
        "generators": args.generators,
        "duration_per_rate_s": args.duration,
        "pingback": {"database": "postgresql", "redis": bool(args.redis), "points": pingback},
        "bare": {"points": bare},
        "max_rate": {"pingback": best_pb, "bare": best_bare},
        "ratio": round(best_pb / best_bare, 3) if best_bare and best_pb else None,
        "p99_at_half_max_ms": half[-1]["p99"] if half else None,
        "wall_seconds": round(time.time() - started, 1),
    }
    path = write_result("roundtrip_node", result)
    print_table(
        [
            (
                *(p["target"], p["offered_rate"], p["achieved_rate"], p["received"]),
                *(p["lost"], p["errors"], p["p50"], p["p95"], p["p99"], p["server_cpu"]),
                p["server_cpu_ms_per_msg"],
            )
            for p in pingback + bare
        ],
        (
            *("target", "offered/s", "achieved/s", "received", "lost", "errors"),
            *("p50 ms", "p95 ms", "p99 ms", "cpu", "cpu ms/msg"),
        ),
    )
    print(
        f"max (kept up): pingback {best_pb}/s, bare {best_bare}/s, ratio {result['ratio']}; "
        f"p99 at <= half max: {result['p99_at_half_max_ms']} ms"
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
