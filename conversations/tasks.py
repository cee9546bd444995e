"""Periodic upkeep of the domain (scheduled in ``CELERY_BEAT_SCHEDULE``)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from conversations.models import Business, EventLog, EventLogHorizon

PRUNE_BATCH = 5000


@shared_task
def prune_event_log() -> int:
    """Delete events older than EVENT_LOG_RETENTION_DAYS, in batches; returns how many.

    The event log serves cursor resume and the webhook outbox; webhook deliveries keep their
    own copy of the body, so old events can go once no client could still resume from them.
    The newest pruned id is recorded first, so a cursor from before it is refused
    (``EVENT_CURSOR_EXPIRED``) rather than replayed with a hole.
    """
    cutoff = timezone.now() - timedelta(days=settings.EVENT_LOG_RETENTION_DAYS)
    removed = 0
    while True:
        ids = list(
            EventLog.objects.filter(created_at__lt=cutoff)
            .order_by("id")
            .values_list("id", flat=True)[:PRUNE_BATCH]
        )
        if not ids:
            return removed
        # Resume cursors below this id may have missed pruned events (conversations.replay).
        horizon, _ = EventLogHorizon.objects.get_or_create(pk=1)
        if ids[-1] > horizon.pruned_through_id:
            EventLogHorizon.objects.filter(pk=1).update(pruned_through_id=ids[-1])
        removed += EventLog.objects.filter(id__in=ids).delete()[0]


@shared_task
def assign_waiting(business_id: int) -> int:
    """Hand what waits in one business to online agents with room (automatic assignment)."""
    # Late: the actions enqueue these tasks (actions -> tasks at import time).
    from conversations.actions.auto_assign import do_assign_waiting

    return len(do_assign_waiting(business_id))


@shared_task
def assign_waiting_everywhere() -> int:
    """The safety net of automatic assignment: a run per round-robin business, for chats an
    event missed (a process stopped between a commit and its subscribers)."""
    # Late, as above: the actions enqueue these tasks.
    from conversations.actions.auto_assign import do_assign_waiting

    businesses = Business.objects.filter(auto_assign_mode=Business.AutoAssign.ROUND_ROBIN)
    return sum(len(do_assign_waiting(pk)) for pk in businesses.values_list("pk", flat=True))
