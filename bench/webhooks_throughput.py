"""Webhook deliveries per second from one Celery worker host to a local receiver.

    .venv/bin/python bench/webhooks_throughput.py [--deliveries 500] [--concurrency 4]

One worker: solo pool by default, or prefork with --concurrency processes (as the systemd
unit in deploy/ runs it).

Needs Redis (REDIS_URL, default redis://127.0.0.1:6379/0). Uses a throw-away SQLite database
unless BENCH_DATABASE_URL names another one (e.g. a scratch PostgreSQL database). The clock
starts once the worker is ready and every delivery row is written, and stops when the
receiver has them all: it measures claim + sign + POST + attempt log + completion.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import PRODUCTION_ENV  # noqa: E402


class Receiver:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.count += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=500)
    parser.add_argument(
        "--endpoints",
        type=int,
        default=1,
        help="spread the deliveries over this many endpoints, each of its own business "
        "(1: one busy endpoint, the drain's best case)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=0,
        help="a prefork worker with this many processes (deploy/systemd: 4); 0: --pool=solo",
    )
    args = parser.parse_args()

    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    queue = f"pb-bench-webhooks-{uuid.uuid4().hex[:8]}"
    tmp = tempfile.mkdtemp(prefix="pb-bench-webhooks-")
    database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": queue,
        "WEBHOOKS_CELERY_QUEUE": queue,
        "WEBHOOKS_ALLOW_PRIVATE_URLS": "true",
        "LOG_LEVEL": "WARNING",
        **PRODUCTION_ENV,
    }
    os.environ.update(env)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingback.settings")
    django.setup()
    from django.utils import timezone

    from conversations import actions as conv_actions
    from webhooks import actions, delivery, payloads
    from webhooks.models import WebhookDelivery

    receiver = Receiver()
    endpoints = []
    for n in range(args.endpoints):
        business = conv_actions.create_business(f"Bench {queue} {n}")
        endpoints.append(
            actions.create_endpoint(business, url=f"{receiver.url}?{n}", events=["*"])[0]
        )

    log_path = Path(tmp) / "worker.log"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pingback",
            "worker",
            *([f"--concurrency={args.concurrency}"] if args.concurrency else ["--pool=solo"]),
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "info",
        ],
        cwd=ROOT,
        env=env,
        stdout=open(log_path, "w"),  # noqa: SIM115 - lives as long as the worker
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log_path.read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"worker did not start:\n{log_path.read_text()[-2000:]}")
            time.sleep(0.1)

        now = timezone.now()
        rows = []
        for i in range(args.deliveries):
            endpoint = endpoints[i % len(endpoints)]  # round robin: in the order they are due
            webhook_id = f"evt_bench_{i}"
            body = payloads.body(
                webhook_id,
                payloads.WEBHOOK_TEST,
                "2024-01-15T10:30:00Z",
                endpoint.business.public_id,
                {},
            )
            rows.append(
                WebhookDelivery(
                    business_id=endpoint.business_id,
                    endpoint=endpoint,
                    webhook_id=webhook_id,
                    event_type=payloads.WEBHOOK_TEST,
                    body=body,
                    next_attempt_at=now,
                )
            )
        WebhookDelivery.objects.bulk_create(rows)
        ids = list(
            WebhookDelivery.objects.filter(endpoint__in=endpoints)
            .order_by("id")
            .values_list("id", flat=True)
        )
        started = time.perf_counter()
        for delivery_id in ids:
            delivery.enqueue_delivery(delivery_id)
        while receiver.count < args.deliveries:
            if time.perf_counter() - started > 600:
                sys.exit(f"only {receiver.count} of {args.deliveries} arrived in 600 s")
            time.sleep(0.01)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(30)
        import redis

        client = redis.Redis.from_url(redis_url)
        client.delete(queue, f"_kombu.binding.{queue}")

    result = {
        "benchmark": "webhooks_throughput",
        "deliveries": args.deliveries,
        "endpoints": args.endpoints,
        "seconds": round(elapsed, 3),
        "deliveries_per_second": round(args.deliveries / elapsed, 1),
        "worker": "1 Celery worker, "
        + (f"prefork --concurrency={args.concurrency}" if args.concurrency else "--pool=solo"),
        "database": database_url.split(":", 1)[0],
    }
    print(json.dumps(result, indent=2))
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "webhooks_throughput.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
