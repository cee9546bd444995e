"""Periodic team-tool work (scheduled in ``CELERY_BEAT_SCHEDULE``)."""

from celery import shared_task

from teamtools.actions.snooze import wake_due


@shared_task
def wake_snoozed() -> int:
    """Reopen the conversations whose snooze has ended."""
    return wake_due()
