"""A conversation export streams rows chunk by chunk: memory stays well under the file size."""

import tempfile
import tracemalloc
from datetime import timedelta

import pytest
from django.utils import timezone

from conversations.models import Conversation
from reports import exports
from reports.models import ConversationExport

pytestmark = pytest.mark.django_db
ROWS = 20_000


def test_export_memory_stays_flat_while_the_file_grows(acme):
    now = timezone.now()
    Conversation.objects.bulk_create(
        Conversation(
            business=acme.business,
            customer=acme.customer,
            created_at=now - timedelta(seconds=i),
            last_activity_at=now,
            first_message_text=f"{i:06d} " + "x" * 290,
        )
        for i in range(ROWS)
    )
    day = timezone.localdate(now, timezone=timezone.get_fixed_timezone(0)).isoformat()
    yesterday = (timezone.localdate(now) - timedelta(days=1)).isoformat()
    export = ConversationExport.objects.create(
        business=acme.business, requested_by="test", filters={"from": yesterday, "to": day}
    )
    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        exports.write_csv(export, out)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        size = out.tell()
    export.refresh_from_db()
    assert export.done == export.total == ROWS
    assert size > 6_000_000
    assert peak < size / 4, (peak, size)
