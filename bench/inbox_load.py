"""How long the agent inbox takes to load with many conversations.

    .venv/bin/python bench/inbox_load.py [--conversations 10000] [--database-url postgresql://...]
                                         [--repeat 20] [--no-browser]

Starts a throw-away web server (own database, demo data), bulk-inserts N conversations
(one message each, mixed statuses, assignees and handoffs) into the demo business, logs in
as the demo owner (who sees everything) and times:

- server: GET of each inbox page until the last byte (keep-alive client, after one warm-up);
- browser: Chromium's navigation timing for /inbox/ (response end, DOMContentLoaded, load),
  including the vendored socket.io client and the page's scripts.

Results go to bench/results/inbox_load.json.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BenchServer, percentile, print_table, write_result

MAX_CONVERSATIONS = 200_000


def seed(database_url: str, business_id: str, n: int) -> None:
    """Bulk-insert N conversations straight into the bench database (reads are measured)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingback.settings")
    import django

    django.setup()
    from django.utils import timezone

    from conversations.models import Agent, Business, Conversation, Customer, Message

    business = Business.objects.get(public_id=business_id)
    agents = [None, *Agent.objects.filter(business=business)]
    rng = random.Random(7)
    customers = Customer.objects.bulk_create(
        Customer(business=business, name=f"Bench customer {i}", email=f"c{i}@bench.test")
        for i in range(min(n, 2000))
    )
    now = timezone.now()
    statuses = ["open", "open", "pending", "resolved", "closed"]
    for start in range(0, n, 2000):
        convs = Conversation.objects.bulk_create(
            Conversation(
                business=business,
                customer=customers[i % len(customers)],
                status=rng.choice(statuses),
                assignee=rng.choice(agents),
                needs_human_handoff=rng.random() < 0.05,
                last_activity_at=now - timedelta(seconds=i * 17),
                first_message_text=f"Question number {i}",
                last_message_text=f"Question number {i}",
                message_count=1,
            )
            for i in range(start, min(n, start + 2000))
        )
        Message.objects.bulk_create(
            Message(
                business=business,
                conversation=c,
                sender_type="customer",
                content=c.last_message_text,
            )
            for c in convs
        )


def time_pages(base: str, email: str, password: str, repeat: int) -> tuple[list, str]:
    import logging

    import httpx

    logging.getLogger("httpx").setLevel(logging.WARNING)
    with httpx.Client(base_url=base, timeout=60) as http:
        login = http.get("/inbox/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
        done = http.post(
            "/inbox/login/",
            data={"username": email, "password": password, "csrfmiddlewaretoken": token},
        )
        assert done.status_code == 302, done.status_code
        page = http.get("/inbox/", params={"status": "all"})
        cursor = re.search(r"cursor=([0-9_]+)", page.text).group(1)
        conv_id = re.search(r'data-conversation-id="(\d+)"', page.text).group(1)
        pages = [
            ("/inbox/ (open)", "/inbox/"),
            ("/inbox/?status=all", "/inbox/?status=all"),
            ("/inbox/?assignee=unassigned", "/inbox/?assignee=unassigned"),
            ("/inbox/?handoff=1&status=all", "/inbox/?handoff=1&status=all"),
            ("/inbox/?status=all page 2", f"/inbox/?status=all&cursor={cursor}"),
            ("list fragment (live refresh)", "/inbox/?fragment=1"),
            ("conversation page", f"/inbox/c/{conv_id}/"),
        ]
        rows = []
        for label, path in pages:
            http.get(path)  # warm-up
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                response = http.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            rows.append(
                {
                    "page": label,
                    "p50_ms": round(statistics.median(times), 1),
                    "p95_ms": round(percentile(times, 95), 1),
                    "bytes": len(response.content),
                }
            )
        return rows, http.cookies.get("sessionid")


def browser_load(base: str, session: str, repeat: int) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        ctx = browser.new_context(viewport={"width": 1366, "height": 768})
        ctx.add_cookies([{"name": "sessionid", "value": session, "url": base}])
        page = ctx.new_page()
        page.goto(base + "/inbox/")  # warm-up: static files cached like a returning agent
        samples = []
        for _ in range(repeat):
            page.goto(base + "/inbox/", wait_until="load")
            samples.append(
                page.evaluate(
                    "() => { const n = performance.getEntriesByType('navigation')[0];"
                    " return [n.responseEnd, n.domContentLoadedEventEnd, n.loadEventEnd]; }"
                )
            )
        page.wait_for_function("document.getElementById('live-state').textContent === 'live'")
        browser.close()
    cols = list(zip(*samples, strict=True))
    return {
        name: round(statistics.median(col), 1)
        for name, col in zip(
            ["response_end_ms", "dom_content_loaded_ms", "load_ms"], cols, strict=True
        )
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--database-url", help="default: a throw-away SQLite file")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    n = min(args.conversations, MAX_CONVERSATIONS)

    server = BenchServer(database_url=args.database_url)
    try:
        demo = server.prepare()
        t0 = time.perf_counter()
        seed(server.database_url, demo["business_id"], n)
        print(f"seeded {n} conversations in {time.perf_counter() - t0:.1f} s")
        (base,) = server.start()
        rows, session = time_pages(
            base, demo["owner"]["email"], demo["owner"]["password"], args.repeat
        )
        browser = None if args.no_browser else browser_load(base, session, min(args.repeat, 10))
    finally:
        server.stop()
    print_table(
        [(r["page"], r["p50_ms"], r["p95_ms"], r["bytes"]) for r in rows],
        ("page", "p50 ms", "p95 ms", "bytes"),
    )
    if browser:
        print("browser /inbox/:", browser)
    database = "PostgreSQL" if (args.database_url or "").startswith("postgres") else "SQLite"
    path = write_result(
        "inbox_load",
        {"conversations": n, "database": database, "pages": rows, "browser": browser},
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
