"""Periodic upkeep: event-log pruning and the in-process stand-in for Celery beat."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations.models import EventLog
from conversations.tasks import prune_event_log
from pingback import beat


def test_prune_removes_only_events_older_than_the_retention(acme, settings):
    settings.EVENT_LOG_RETENTION_DAYS = 7
    acme.start("old")
    acme.start("recent")
    old_ids = list(EventLog.objects.order_by("id").values_list("id", flat=True)[:2])
    EventLog.objects.filter(id__in=old_ids).update(created_at=timezone.now() - timedelta(days=8))
    kept = EventLog.objects.exclude(id__in=old_ids).count()
    assert prune_event_log() == 2
    assert EventLog.objects.count() == kept
    assert prune_event_log() == 0


@pytest.mark.django_db(transaction=True)
def test_embedded_beat_runs_the_schedule(acme, settings):
    settings.EVENT_LOG_RETENTION_DAYS = 0
    settings.CELERY_BEAT_SCHEDULE = {
        "prune": {"task": "conversations.tasks.prune_event_log", "schedule": 0.1}
    }
    acme.start("soon gone")
    assert EventLog.objects.exists()
    beat.ensure_started()
    try:
        deadline = timezone.now() + timedelta(seconds=20)
        while EventLog.objects.exists() and timezone.now() < deadline:
            beat._stop.wait(0.1)
        assert not EventLog.objects.exists()
        assert beat.is_running()
    finally:
        beat.stop()
    assert not beat.is_running()
