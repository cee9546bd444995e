"""Report figures for a date range (local days of the business), from the rollups only."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Sum

from conversations.models import Business
from reports.models import DailyStats, HourlyOpened, TimingBucket
from reports.timings import percentile

MAX_DAYS = 366
METRICS = ("first_response", "resolution", "waiting")


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    channel: str | None = None
    agent_id: int | None = None

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def _rows(model, business: Business, f: Filters):
    qs = model.objects.filter(business=business, day__gte=f.start, day__lte=f.end)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.agent_id is not None:
        qs = qs.filter(agent_id=f.agent_id)
    return qs


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _timing(counts: dict[int, int]) -> dict:
    return {
        "count": sum(counts.values()),
        "median": percentile(counts, 0.5),
        "p90": percentile(counts, 0.9),
    }


def summary(business: Business, f: Filters) -> dict:
    counters = DailyStats.COUNTERS
    per_day = {
        row["day"]: row
        for row in _rows(DailyStats, business, f)
        .values("day")
        .annotate(**{c: Sum(c) for c in counters})
    }
    totals = {c: sum(row[c] for row in per_day.values()) for c in counters}

    buckets: dict[str, dict[int, int]] = {m: defaultdict(int) for m in METRICS}
    trend: dict[date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in (
        _rows(TimingBucket, business, f).values("day", "metric", "bucket").annotate(n=Sum("count"))
    ):
        buckets[row["metric"]][row["bucket"]] += row["n"]
        if row["metric"] == "first_response":
            trend[row["day"]][row["bucket"]] += row["n"]

    heatmap = [[0] * 24 for _ in range(7)]
    for row in _rows(HourlyOpened, business, f).values("day", "hour").annotate(n=Sum("opened")):
        heatmap[row["day"].weekday()][row["hour"]] += row["n"]

    days = []
    for day in f.days():
        row = per_day.get(day) or dict.fromkeys(counters, 0)
        days.append(
            {
                "day": day.isoformat(),
                "opened": row["opened"],
                "resolved": row["resolved"],
                "messages_in": row["messages_in"],
                "messages_out": row["messages_out"],
                "first_response_median": percentile(trend.get(day, {}), 0.5),
            }
        )
    return {
        "from": f.start.isoformat(),
        "to": f.end.isoformat(),
        "timezone": business.timezone,
        "channel": f.channel,
        "agent_id": f.agent_id,
        "conversations": {"opened": totals["opened"], "resolved": totals["resolved"]},
        "messages": {"received": totals["messages_in"], "sent": totals["messages_out"]},
        "first_response_seconds": _timing(buckets["first_response"]),
        "resolution_seconds": _timing(buckets["resolution"]),
        "waiting_seconds": _timing(buckets["waiting"]),
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
        "heatmap": heatmap,
    }
