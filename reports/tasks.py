"""Background work of the reports."""

from celery import shared_task

from reports import exports, rollup


@shared_task
def fold_events() -> int:
    """Fold what the event log holds beyond the cursor into the rollups."""
    return rollup.catch_up()


@shared_task
def build_conversation_export(export_id: int) -> None:
    exports.build(export_id)
