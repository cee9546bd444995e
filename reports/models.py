"""The reports' per-day rollups, kept up to date from the event log (``reports.rollup``).

Every row is keyed by business, local day (in the business's time zone), channel and agent
(``agent_id`` 0: no agent), so a report for any date range, channel and agent sums a few rows
per day instead of scanning conversations and messages.
"""

from django.db import models

from conversations.models import Business

NO_AGENT = 0
# TimingBucket rows are also summed over every channel and/or every agent, so a report reads
# only the rows of its own filter (unfiltered, by channel, by agent, or both).
ALL_CHANNELS, ALL_AGENTS = "*", -1


class DailyStats(models.Model):
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    channel = models.CharField(max_length=20)
    agent_id = models.BigIntegerField(default=NO_AGENT)
    opened = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    ai_resolved = models.PositiveIntegerField(default=0)
    messages_in = models.PositiveIntegerField(default=0)
    messages_out = models.PositiveIntegerField(default=0)
    handoffs = models.PositiveIntegerField(default=0)
    csat_count = models.PositiveIntegerField(default=0)
    csat_sum = models.PositiveIntegerField(default=0)
    csat_satisfied = models.PositiveIntegerField(default=0)  # ratings of 4 or 5

    COUNTERS = (
        "opened",
        "resolved",
        "ai_resolved",
        "messages_in",
        "messages_out",
        "handoffs",
        "csat_count",
        "csat_sum",
        "csat_satisfied",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "day", "channel", "agent_id"], name="daily_stats_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.business_id} {self.day} {self.channel} agent {self.agent_id}"


class HourlyOpened(models.Model):
    """Conversations opened per local hour (the weekday x hour heatmap)."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    hour = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=20)
    agent_id = models.BigIntegerField(default=NO_AGENT)
    opened = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "day", "hour", "channel", "agent_id"], name="hourly_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.business_id} {self.day} {self.hour}h"


class TimingBucket(models.Model):
    """How many durations (first response, resolution, waiting) fell in one log-scale bucket
    (``reports.timings``): medians and p90 of any range from a few rows."""

    class Metric(models.TextChoices):
        FIRST_RESPONSE = "first_response"
        RESOLUTION = "resolution"
        WAITING = "waiting"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    channel = models.CharField(max_length=20)
    agent_id = models.BigIntegerField(default=NO_AGENT)
    metric = models.CharField(max_length=20, choices=Metric.choices)
    bucket = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "day", "channel", "agent_id", "metric", "bucket"],
                name="timing_bucket_key",
            )
        ]
        # A report reads one (channel, agent) slice over a range of days: all metrics, then the
        # first responses per day (metric before day, or that query walks every metric's rows).
        indexes = [
            models.Index(
                fields=["business", "channel", "agent_id", "metric", "day"],
                name="timing_slice_metric",
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric} bucket {self.bucket}: {self.count}"


class RollupCursor(models.Model):
    """The newest event folded into the rollups (one row). Locked while a batch is applied, so
    one process at a time moves it, in any number of processes."""

    last_event_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"rollups through event #{self.last_event_id}"


class ConversationExport(models.Model):
    """A CSV of the conversations a report covers, written by a background task."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        READY = "ready"
        FAILED = "failed"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    requested_by = models.CharField(max_length=200)
    filters = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file = models.CharField(max_length=300, blank=True, help_text="Its name in default storage.")
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Conversation export {self.pk} ({self.status}, {self.done}/{self.total})"
