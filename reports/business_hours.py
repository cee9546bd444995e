"""First response and resolution times counted in business hours only (``business_hours=true``).

The rollups hold wall-clock durations; hours change after the fact, so these figures are
computed from the conversations of the range with the business's current hours
(``business_settings.hours.open_seconds``): a chat opened Friday 17:00 and answered Monday
09:30 with hours Mon-Fri 09:00-18:00 took 1 h 30 min in business hours. A figure counts on
the local day its answer / resolution happened; the agent filter means the assignee.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from business_settings.hours import hours_of, open_seconds
from conversations import errors
from conversations.models import Business
from reports import scope
from reports.timings import bucket_of

if TYPE_CHECKING:
    from reports.queries import Filters, Tally

METRICS = ("first_response", "resolution")


def has_hours(business: Business) -> bool:
    return hours_of(business).enabled


def check(business: Business) -> None:
    if not has_hours(business):
        raise errors.ValidationFailed(
            "This business has no business hours; set them up first (Settings → Business hours).",
            field="business_hours",
        )


def apply(business: Business, f: Filters, tally: Tally) -> None:
    """Replace ``tally``'s first response and resolution buckets (and the daily first-response
    trend) by durations in business hours."""
    hours = hours_of(business)
    zone, start, end = scope.instants(business, f)
    for metric in METRICS:
        tally.buckets[metric].clear()
    tally.trend.clear()
    answered = Q(first_response_at__gte=start, first_response_at__lt=end)
    resolved = Q(resolved_at__gte=start, resolved_at__lt=end)
    rows = scope.conversations(business, f).filter(answered | resolved)
    for created, first, done in rows.values_list("created_at", "first_response_at", "resolved_at"):
        if first is not None and start <= first < end:
            secs = open_seconds(business, created, first, hours)
            tally.timing(first.astimezone(zone).date(), "first_response", bucket_of(secs))
        if done is not None and start <= done < end:
            secs = open_seconds(business, created, done, hours)
            tally.timing(done.astimezone(zone).date(), "resolution", bucket_of(secs))
