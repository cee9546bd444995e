"""Background work of the privacy app: building data exports."""

import logging

from celery import shared_task
from django.utils import timezone

from privacy import export_files
from privacy.models import DataExport

logger = logging.getLogger(__name__)


@shared_task
def build_export(export_id: int) -> None:
    """Write one requested export and record where it is (or why it failed)."""
    claimed = DataExport.objects.filter(pk=export_id, status=DataExport.Status.PENDING).update(
        status=DataExport.Status.RUNNING
    )
    if not claimed:
        return  # already built (a redelivered task) or gone
    export = DataExport.objects.select_related("business").get(pk=export_id)
    try:
        name, size, counts = export_files.write(export.business, export.format)
    except Exception as exc:
        logger.exception("export %s failed", export_id)
        export.status, export.error = DataExport.Status.FAILED, str(exc)[:500]
    else:
        export.status, export.file, export.size = DataExport.Status.READY, name, size
        export.customers = counts["customers"]
        export.conversations = counts["conversations"]
        export.messages = counts["messages"]
    export.finished_at = timezone.now()
    export.save()
