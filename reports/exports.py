"""Conversation exports: requested by an action, written by a task in chunks (memory stays
flat), progress recorded as it goes, the file kept in default storage under
``report-exports/<business>/``."""

from __future__ import annotations

import csv
import io
import logging
import tempfile
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone

from conversations.models import Business, Conversation
from conversations.snapshots import iso
from pingback.tasks import enqueue
from reports.models import ConversationExport
from reports.queries import Filters

logger = logging.getLogger(__name__)
CHUNK = 1000
FIELDS = [
    "id",
    "channel_type",
    "status",
    "customer_id",
    "assignee_id",
    "message_count",
    "created_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "first_message_text",
]


def _filters_json(f: Filters) -> dict:
    return {
        "from": f.start.isoformat(),
        "to": f.end.isoformat(),
        "channel": f.channel,
        "agent_id": f.agent_id,
        "label_id": f.label_id,
    }


def conversations(business: Business, spec: dict):
    """The conversations started in the export's local days (and channel, assignee)."""
    zone = ZoneInfo(business.timezone)
    start = datetime.combine(date.fromisoformat(spec["from"]), time.min, zone)
    end = datetime.combine(date.fromisoformat(spec["to"]) + timedelta(days=1), time.min, zone)
    qs = Conversation.objects.filter(business=business, created_at__gte=start, created_at__lt=end)
    if spec.get("channel"):
        qs = qs.filter(channel_type=spec["channel"])
    if spec.get("agent_id") is not None:
        qs = qs.filter(assignee_id=spec["agent_id"])
    if spec.get("label_id") is not None:
        qs = qs.filter(label_links__label_id=spec["label_id"])
    return qs.order_by("id")


def do_request_export(business: Business, f: Filters, *, requested_by: str) -> ConversationExport:
    # Late: the task module imports this one (tasks -> exports at import time).
    from reports.tasks import build_conversation_export

    with transaction.atomic():
        export = ConversationExport.objects.create(
            business=business, requested_by=requested_by[:200], filters=_filters_json(f)
        )
        transaction.on_commit(lambda: enqueue(build_conversation_export, export.pk))
    return export


def write_csv(export: ConversationExport, out) -> None:
    """Write the rows ``CHUNK`` at a time, recording progress after each chunk."""
    qs = conversations(export.business, export.filters)
    total = qs.count()
    ConversationExport.objects.filter(pk=export.pk).update(total=total)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow(FIELDS)
    done = 0
    for row in qs.values_list(*FIELDS).iterator(chunk_size=CHUNK):
        writer.writerow([iso(v) if isinstance(v, datetime) else v for v in row])
        done += 1
        if done % CHUNK == 0:
            ConversationExport.objects.filter(pk=export.pk).update(done=done)
    text.flush()
    text.detach()
    ConversationExport.objects.filter(pk=export.pk).update(done=done)


def build(export_id: int) -> None:
    claimed = ConversationExport.objects.filter(
        pk=export_id, status=ConversationExport.Status.PENDING
    ).update(status=ConversationExport.Status.RUNNING)
    if not claimed:
        return  # built already (a redelivered task) or gone
    export = ConversationExport.objects.select_related("business").get(pk=export_id)
    try:
        with tempfile.TemporaryFile() as tmp:
            write_csv(export, tmp)
            tmp.seek(0)
            name = default_storage.save(
                f"report-exports/{export.business.public_id}/{uuid.uuid4().hex}.csv", File(tmp)
            )
    except Exception as exc:
        logger.exception("conversation export %s failed", export_id)
        ConversationExport.objects.filter(pk=export_id).update(
            status=ConversationExport.Status.FAILED,
            error=str(exc)[:500],
            finished_at=timezone.now(),
        )
        return
    ConversationExport.objects.filter(pk=export_id).update(
        status=ConversationExport.Status.READY, file=name, finished_at=timezone.now()
    )


def file_response(export: ConversationExport) -> FileResponse:
    """A finished export's CSV, streamed from storage (REST and the inbox page)."""
    return FileResponse(
        default_storage.open(export.file, "rb"),
        as_attachment=True,
        filename=f"conversations-{export.pk}.csv",
        content_type="text/csv",
    )
