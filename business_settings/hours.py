"""Is a business open now? Business hours in its own time zone, with holidays."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from business_settings.models import BusinessHours

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def zone(business) -> ZoneInfo:
    try:
        return ZoneInfo(business.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def hours_of(business) -> BusinessHours:
    found = BusinessHours.objects.filter(business=business).first()
    return found or BusinessHours(business=business)


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
