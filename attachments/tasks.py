from celery import shared_task

from attachments.actions import delete_orphans


@shared_task(name="attachments.tasks.delete_orphaned_attachments")
def delete_orphaned_attachments() -> int:
    """Beat: uploads never attached to a message within ATTACHMENTS_ORPHAN_HOURS."""

    return delete_orphans()
