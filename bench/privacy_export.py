"""A business's export (JSON and CSV) and one customer's erasure, at 10,000 conversations and
100,000 messages on PostgreSQL.

    .venv/bin/python bench/privacy_export.py [--conversations 10000] [--messages 100000]

Creates its own database (``pb_bench_privacy``, dropped at the end), migrates it, adds the demo
data and seeds the demo business (bulk inserts through the ORM). Each measurement runs in
a fresh process, so its peak RSS is its own: ``privacy.export_files.write`` for each format (the
background task's work), then ``privacy.actions.do_erase_customer`` on one seeded customer.
Results go to bench/results/privacy_export.json.
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

from bench.common import PYTHON, ROOT, BenchServer, print_table, write_result
from bench.roundtrip import create_database, drop_database

DBNAME = "pb_bench_privacy"
MAX_CONVERSATIONS = 50_000
MAX_MESSAGES = 500_000

MEASURE = """
import json, os, resource, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingback.settings")
import django
django.setup()
from conversations.models import Business, Customer
what = sys.argv[1]
business = Business.objects.get(public_id=sys.argv[2])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.monotonic()
if what == "seed":
    from django.utils import timezone
    from conversations.models import Conversation, Message
    n_conv, n_msg = int(sys.argv[3]), int(sys.argv[4])
    now = timezone.now()
    customers = Customer.objects.bulk_create(
        [Customer(business=business, name=f"Visitor {i}", email=f"v{i}@example.com",
                  metadata={"plan": "pro"}) for i in range(n_conv)], batch_size=5000)
    convs = Conversation.objects.bulk_create(
        [Conversation(business=business, customer=c, last_activity_at=now,
                      metadata={"page_url": "https://example.com/"},
                      first_message_text="Hello", last_message_text="Bye")
         for c in customers], batch_size=5000)
    per = n_msg // n_conv
    batch = []
    for conv in convs:
        for m in range(per):
            batch.append(Message(business=business, conversation=conv,
                                 sender_type="customer" if m % 2 == 0 else "agent",
                                 content=f"message {m} of conversation {conv.pk}"))
        if len(batch) >= 5000:
            Message.objects.bulk_create(batch); batch = []
    Message.objects.bulk_create(batch)
    out = {"customers": len(customers), "conversations": len(convs), "messages": per * n_conv}
elif what == "erase":
    from privacy.actions import do_erase_customer
    customer = Customer.objects.filter(business=business).order_by("-id").first()
    record = do_erase_customer(customer)
    out = {"messages": record.messages, "events": record.events}
else:
    from privacy import export_files
    name, size, counts = export_files.write(business, what)
    out = {"size_mib": round(size / 2**20, 1), **counts}
out["seconds"] = round(time.monotonic() - t0, 2)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out["peak_rss_mib"] = round(peak / 1024, 1)
out["rss_growth_mib"] = round((peak - before) / 1024, 1)
print(json.dumps(out))
"""


def measure(what: str, env: dict, business_public_id: str, *extra: str) -> dict:
    out = subprocess.run(
        [PYTHON, "-c", MEASURE, what, business_public_id, *extra],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return {"what": what, **json.loads(out.stdout.strip().splitlines()[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    n_conv = min(args.conversations, MAX_CONVERSATIONS)
    n_msg = min(args.messages, MAX_MESSAGES)
    url = create_database(DBNAME)
    server = BenchServer(database_url=url)
    server.env["MEDIA_ROOT"] = server.tmp
    try:
        t0 = time.monotonic()
        demo = server.prepare()
        measure("seed", server.env, demo["business_id"], str(n_conv), str(n_msg))
        seeded = round(time.monotonic() - t0, 1)
        rows = [measure(what, server.env, demo["business_id"]) for what in ("json", "csv", "erase")]
    finally:
        drop_database(DBNAME)
    result = {
        "database": "postgresql",
        "conversations": n_conv,
        "messages": n_msg,
        "seed_seconds": seeded,
        "runs": rows,
    }
    path = write_result("privacy_export", result)
    print_table(
        [
            (r["what"], r["seconds"], r.get("size_mib", ""), r["peak_rss_mib"], r["rss_growth_mib"])
            for r in rows
        ],
        ("run", "seconds", "file MiB", "peak RSS MiB", "RSS growth MiB"),
    )
    print(f"written to {path}")


if __name__ == "__main__":
    os.nice(5)
    main()
