"""Report figures for a date range (local days of the business).

Without a label they come from the rollups only (a few rows per day). Labels change after
the fact and a conversation has several, so a label report reads the labelled conversations
themselves (bounded by the label's size; ``label_tally``) and buckets them the same way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractIsoWeekDay, TruncDate

from conversations.models import Business, Message
from csat.models import Rating
from reports import business_hours, scope
from reports.models import ALL_AGENTS, ALL_CHANNELS, DailyStats, HourlyOpened, TimingBucket
from reports.timings import bucket_of, percentile

MAX_DAYS = 366
METRICS = ("first_response", "resolution", "waiting")
SATISFIED = 4


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    channel: str | None = None
    agent_id: int | None = None
    label_id: int | None = None
    business_hours: bool = False

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def _counters() -> dict[str, int]:
    return dict.fromkeys(DailyStats.COUNTERS, 0)


@dataclass
class Tally:
    """Counts per local day, duration buckets, the first-response trend and the heatmap."""

    per_day: dict[date, dict[str, int]] = field(default_factory=lambda: defaultdict(_counters))
    buckets: dict[str, dict[int, int]] = field(
        default_factory=lambda: {m: defaultdict(int) for m in METRICS}
    )
    trend: dict[date, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    heatmap: list[list[int]] = field(default_factory=lambda: [[0] * 24 for _ in range(7)])

    def timing(self, day: date, metric: str, bucket: int, n: int = 1) -> None:
        self.buckets[metric][bucket] += n
        if metric == "first_response":
            self.trend[day][bucket] += n


def _rows(model, business: Business, f: Filters):
    qs = model.objects.filter(business=business, day__gte=f.start, day__lte=f.end)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.agent_id is not None:
        qs = qs.filter(agent_id=f.agent_id)
    return qs


def rollup_tally(business: Business, f: Filters) -> Tally:
    t = Tally()
    counters = DailyStats.COUNTERS
    for row in (
        _rows(DailyStats, business, f).values("day").annotate(**{c: Sum(c) for c in counters})
    ):
        t.per_day[row["day"]] = {c: row[c] for c in counters}
    timings = TimingBucket.objects.filter(
        business=business,
        day__gte=f.start,
        day__lte=f.end,
        channel=f.channel or ALL_CHANNELS,
        agent_id=ALL_AGENTS if f.agent_id is None else f.agent_id,
    )
    for row in timings.values("metric", "bucket").annotate(n=Sum("count")):
        t.buckets[row["metric"]][row["bucket"]] += row["n"]
    first = timings.filter(metric=TimingBucket.Metric.FIRST_RESPONSE)
    for row in first.values("day", "bucket").annotate(n=Sum("count")):
        t.trend[row["day"]][row["bucket"]] += row["n"]
    hours = _rows(HourlyOpened, business, f).annotate(weekday=ExtractIsoWeekDay("day"))
    for row in hours.values("weekday", "hour").annotate(n=Sum("opened")):
        t.heatmap[row["weekday"] - 1][row["hour"]] += row["n"]
    return t


def label_tally(business: Business, f: Filters) -> Tally:
    """The same figures for the conversations carrying ``label_id`` (agent: the assignee)."""
    zone, start, end = scope.instants(business, f)
    convs = scope.conversations(business, f)
    t = Tally()

    def local(at: datetime) -> datetime:
        return at.astimezone(zone)

    def within(at: datetime | None) -> bool:
        return at is not None and start <= at < end

    fields = (
        "created_at",
        "first_response_at",
        "resolved_at",
        "assigned_at",
        "handoff_requested_at",
        "ai_enabled",
    )
    near = Q(created_at__lt=end) & (
        Q(created_at__gte=start)
        | Q(first_response_at__gte=start)
        | Q(resolved_at__gte=start)
        | Q(assigned_at__gte=start)
        | Q(handoff_requested_at__gte=start)
    )
    for created, first, resolved, assigned, handoff, ai in convs.filter(near).values_list(*fields):
        if within(created):
            at = local(created)
            t.per_day[at.date()]["opened"] += 1
            t.heatmap[at.weekday()][at.hour] += 1
        if within(first):
            t.timing(
                local(first).date(), "first_response", bucket_of((first - created).total_seconds())
            )
        if within(resolved):
            day = local(resolved).date()
            t.per_day[day]["resolved"] += 1
            t.per_day[day]["ai_resolved"] += int(bool(ai and first is None))
            secs = (resolved - created).total_seconds()
            t.timing(day, "resolution", bucket_of(secs))
        if within(assigned) and (first is None or first >= assigned):
            secs = (assigned - created).total_seconds()
            t.timing(local(assigned).date(), "waiting", bucket_of(secs))
        if within(handoff):
            t.per_day[local(handoff).date()]["handoffs"] += 1
    # Messages are counted per local day by the database (a label's conversations can hold
    # tens of thousands in a quarter; reading each one's timestamp took 300 ms at 45,000).
    customer = Q(sender_type=Message.SenderType.CUSTOMER)
    per_day = (
        Message.objects.filter(conversation__in=convs, created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(
            received=Count("pk", filter=customer),
            sent=Count(
                "pk", filter=~customer & (Q(sender_type=Message.SenderType.AGENT) | Q(is_ai=True))
            ),
        )
    )
    for counted in per_day:
        t.per_day[counted["day"]]["messages_in"] += counted["received"]
        t.per_day[counted["day"]]["messages_out"] += counted["sent"]
    ratings = Rating.objects.filter(
        conversation__in=convs, created_at__gte=start, created_at__lt=end
    )
    for at, score in ratings.values_list("created_at", "score"):
        row = t.per_day[local(at).date()]
        row["csat_count"] += 1
        row["csat_sum"] += score
        row["csat_satisfied"] += int(score >= SATISFIED)
    return t


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _timing(counts: dict[int, int]) -> dict:
    return {
        "count": sum(counts.values()),
        "median": percentile(counts, 0.5),
        "p90": percentile(counts, 0.9),
    }


def summary(business: Business, f: Filters) -> dict:
    t = label_tally(business, f) if f.label_id is not None else rollup_tally(business, f)
    if f.business_hours:
        business_hours.apply(business, f, t)
    totals = {c: sum(row[c] for row in t.per_day.values()) for c in DailyStats.COUNTERS}
    days = []
    for day in f.days():
        row = t.per_day.get(day) or _counters()
        days.append(
            {
                "day": day.isoformat(),
                "opened": row["opened"],
                "resolved": row["resolved"],
                "messages_in": row["messages_in"],
                "messages_out": row["messages_out"],
                "first_response_median": percentile(t.trend.get(day, {}), 0.5),
            }
        )
    return {
        "from": f.start.isoformat(),
        "to": f.end.isoformat(),
        "timezone": business.timezone,
        "channel": f.channel,
        "agent_id": f.agent_id,
        "label_id": f.label_id,
        "business_hours": f.business_hours,
        "conversations": {"opened": totals["opened"], "resolved": totals["resolved"]},
        "messages": {"received": totals["messages_in"], "sent": totals["messages_out"]},
        "first_response_seconds": _timing(t.buckets["first_response"]),
        "resolution_seconds": _timing(t.buckets["resolution"]),
        "waiting_seconds": _timing(t.buckets["waiting"]),
        "csat": {
            "responses": totals["csat_count"],
            "average": round(totals["csat_sum"] / totals["csat_count"], 2)
            if totals["csat_count"]
            else None,
            "satisfied_share": _share(totals["csat_satisfied"], totals["csat_count"]),
        },
        "ai": {
            "handoffs": totals["handoffs"],
            "resolved": totals["ai_resolved"],
            "resolved_share": _share(totals["ai_resolved"], totals["resolved"]),
        },
        "days": days,
        "heatmap": t.heatmap,
    }
