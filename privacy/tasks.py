"""Background work of the privacy app: building data exports, deleting old ones."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.files.storage import default_storage
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


@shared_task
def delete_old_exports() -> int:
    """Delete exports (rows and files) requested more than EXPORTS_RETENTION_DAYS ago: they
    hold personal data, also of customers erased since. Returns how many."""
    cutoff = timezone.now() - timedelta(days=settings.EXPORTS_RETENTION_DAYS)
    removed = 0
    for export in DataExport.objects.filter(created_at__lt=cutoff).order_by("id")[:500]:
        if export.file:
            try:
                default_storage.delete(export.file)
            except Exception:  # already gone: the row goes anyway
                logger.warning("could not delete export file %s", export.file, exc_info=True)
        export.delete()
        removed += 1
    return removed
