"""Is a business open now? Business hours in its own time zone, with holidays."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from business_settings.models import BusinessHours
from pingback.timed_cache import TimedCache

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def zone(business) -> ZoneInfo:
    try:
        return ZoneInfo(business.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def hours_of(business) -> BusinessHours:
    found = BusinessHours.objects.filter(business=business).first()
    return found or BusinessHours(business=business)


# Per-process cache of each business's hours for the away reply, which asks on every customer
# message (pingback.timed_cache): keyed by the public id; this process forgets a business's entry
# when its hours change (``forget``), other processes see the change within CACHE_SECONDS.
CACHE_SECONDS = 5.0
_cached: TimedCache[BusinessHours] = TimedCache(CACHE_SECONDS)


def cached_hours(business_id: int, business_public_id: str) -> BusinessHours:
    """The business's hours, its ``business`` loaded when it has any (one query at most every
    CACHE_SECONDS). Without a row: hours that are off (``business`` not loaded)."""

    def load() -> BusinessHours:
        found = (
            BusinessHours.objects.select_related("business").filter(business_id=business_id).first()
        )
        return found or BusinessHours(business_id=business_id, enabled=False)

    return _cached.get(business_public_id, load)


def forget(business) -> None:
    _cached.forget(business.public_id)


def parse_time(value: str) -> time:
    return time.fromisoformat(value)


def is_open(business, at: datetime | None = None, hours: BusinessHours | None = None) -> bool:
    hours = hours or hours_of(business)
    if not hours.enabled:
        return True
    local = (at or timezone.now()).astimezone(zone(business))
    if local.date().isoformat() in set(hours.holidays or []):
        return False
    now = local.time().replace(tzinfo=None)
    for start, end in (hours.weekly or {}).get(str(local.weekday()), []):
        if parse_time(start) <= now < parse_time(end):
            return True
    return False


def is_holiday(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def open_seconds(
    business, start: datetime, end: datetime, hours: BusinessHours | None = None
) -> float:
    """Seconds of business hours between ``start`` and ``end`` (e.g. a first response time in
    business hours, for reports). Without business hours every second counts."""
    from datetime import timedelta

    if end <= start:
        return 0.0
    hours = hours or hours_of(business)
    if not hours.enabled:
        return (end - start).total_seconds()
    tz = zone(business)
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    holidays = set(hours.holidays or [])
    total = 0.0
    day = local_start.date()
    while day <= local_end.date():
        if day.isoformat() not in holidays:
            for a, b in (hours.weekly or {}).get(str(day.weekday()), []):
                opens = datetime.combine(day, parse_time(a), tz)
                closes = datetime.combine(day, parse_time(b), tz)
                overlap = min(closes, local_end) - max(opens, local_start)
                total += max(overlap.total_seconds(), 0.0)
        day += timedelta(days=1)
    return total
