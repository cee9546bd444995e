from celery import shared_task


@shared_task(name="attachments.tasks.delete_orphaned_attachments")
def delete_orphaned_attachments() -> int:
    """Beat: uploads never attached to a message within ATTACHMENTS_ORPHAN_HOURS."""
    from attachments.actions import delete_orphans

    return delete_orphans()
