"""When "1 hour", "tomorrow" or "next week" ends, in the business's time zone."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from conversations import errors

MORNING = time(9, 0)
PRESETS = {
    "1h": "1 hour",
    "4h": "4 hours",
    "tomorrow": "Tomorrow, 9:00",
    "next_week": "Next Monday, 9:00",
}


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def preset_until(preset: str, now: datetime, zone_name: str) -> datetime:
    """The end of a preset snooze, after ``now`` (aware)."""
    if preset == "1h":
        return now + timedelta(hours=1)
    if preset == "4h":
        return now + timedelta(hours=4)
    local = now.astimezone(zone(zone_name))
    if preset == "tomorrow":
        day = local.date() + timedelta(days=1)
    elif preset == "next_week":
        day = local.date() + timedelta(days=7 - local.weekday())
    else:
        raise errors.ValidationFailed(
            f"Unknown snooze {preset!r}; expected {', '.join(PRESETS)} or a time.", field="for"
        )
    return datetime.combine(day, MORNING, tzinfo=local.tzinfo)


def local_until(value: datetime, zone_name: str) -> datetime:
    """A time typed without a zone (the inbox's date picker) in the business's zone."""
    return value if value.tzinfo else value.replace(tzinfo=zone(zone_name))
