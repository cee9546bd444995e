"""Writing a business's data (customers, conversations, messages) as JSON or as a zip of CSVs.

Rows are streamed from the database in chunks into a temporary file, then saved to default
storage under ``exports/<business public id>/``: memory stays flat for large businesses.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import uuid
import zipfile
from collections.abc import Iterator

from django.core.files import File
from django.core.files.storage import default_storage

from conversations.models import Business, Conversation, Customer, Message
from conversations.snapshots import iso

CHUNK = 2000

CUSTOMER_FIELDS = ["id", "name", "email", "external_id", "metadata", "identified_at", "created_at"]
CONVERSATION_FIELDS = [
    "id",
    "customer_id",
    "channel_type",
    "status",
    "assignee_id",
    "metadata",
    "message_count",
    "created_at",
    "last_activity_at",
    "resolved_at",
    "closed_at",
]
MESSAGE_FIELDS = [
    "id",
    "conversation_id",
    "sender_type",
    "sender_agent_id",
    "is_ai",
    "content_type",
    "content",
    "created_at",
    "delivered_at",
    "read_at",
]
TABLES = {
    "customers": (Customer, CUSTOMER_FIELDS),
    "conversations": (Conversation, CONVERSATION_FIELDS),
    "messages": (Message, MESSAGE_FIELDS),
}


def _value(value):
    return iso(value) if hasattr(value, "isoformat") else value


def rows(business: Business, table: str) -> Iterator[dict]:
    model, fields = TABLES[table]
    qs = model._default_manager.filter(business_id=business.pk).order_by("id").values(*fields)
    for row in qs.iterator(chunk_size=CHUNK):
        yield {k: _value(v) for k, v in row.items()}


def _write_json(business: Business, out, counts: dict) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="\n")
    header = {"business": {"id": business.public_id, "name": business.name}}
    text.write(json.dumps(header)[:-1])
    for table in TABLES:
        text.write(f', "{table}": [')
        for n, row in enumerate(rows(business, table)):
            text.write((",\n" if n else "\n") + json.dumps(row, ensure_ascii=False))
            counts[table] += 1
        text.write("]")
    text.write("}\n")
    text.flush()
    text.detach()


def _write_csv(business: Business, out, counts: dict) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for table, (_, fields) in TABLES.items():
            with zf.open(f"{table}.csv", "w") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                writer = csv.DictWriter(text, fieldnames=fields)
                writer.writeheader()
                for row in rows(business, table):
                    if "metadata" in row:
                        row["metadata"] = json.dumps(row["metadata"], ensure_ascii=False)
                    writer.writerow(row)
                    counts[table] += 1
                text.flush()
                text.detach()


def write(business: Business, format: str) -> tuple[str, int, dict]:
    """Write the export; returns (storage name, size in bytes, rows per table)."""
    counts = dict.fromkeys(TABLES, 0)
    ext = "json" if format == "json" else "zip"
    with tempfile.TemporaryFile() as tmp:
        (_write_json if format == "json" else _write_csv)(business, tmp, counts)
        size = tmp.tell()
        tmp.seek(0)
        name = default_storage.save(
            f"exports/{business.public_id}/{uuid.uuid4().hex}.{ext}", File(tmp)
        )
    return name, size, counts
