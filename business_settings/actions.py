"""Changing widget settings and business hours: validated, one transaction. Adapters check the
caller manages the business (owners, admins, API keys) before calling."""

from __future__ import annotations

import re
from datetime import time

from django.db import transaction

from business_settings import hours as business_hours
from business_settings import origins
from business_settings.hours import is_holiday
from business_settings.models import BusinessHours, WidgetSettings
from conversations import errors
from conversations.actions import do_update_business_settings
from conversations.events import Audience, EventType, WidgetScope, publish
from conversations.models import Business

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


def widget_settings_of(business: Business) -> WidgetSettings:
    found = WidgetSettings.objects.filter(business=business).first()
    return found or WidgetSettings(business=business)


def _text(value, name: str, max_length: int) -> str:
    if not isinstance(value, str):
        raise errors.ValidationFailed(f"{name} must be text.", field=name)
    value = " ".join(value.split())
    if len(value) > max_length:
        raise errors.ValidationFailed(f"{name} is longer than {max_length} characters.", field=name)
    return value


def _choice(value, name: str, choices) -> str:
    if value not in choices.values:
        raise errors.ValidationFailed(
            f"{name} must be one of {', '.join(choices.values)}.", field=name
        )
    return value


WIDGET_FIELDS = {
    "color",
    "title",
    "greeting",
    "launcher_text",
    "position",
    "language",
    "prechat_name",
    "prechat_email",
    "allowed_domains",
}


def clean_widget_fields(data: dict) -> dict:
    unknown = set(data) - WIDGET_FIELDS
    if unknown:
        raise errors.ValidationFailed(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    out: dict = {}
    W = WidgetSettings
    for name, value in data.items():
        if name == "color":
            if not isinstance(value, str) or not COLOR_RE.match(value):
                raise errors.ValidationFailed("color must be #rrggbb.", field=name)
            out[name] = value.lower()
        elif name in ("title", "greeting", "launcher_text"):
            out[name] = _text(value, name, W._meta.get_field(name).max_length)
        elif name == "position":
            out[name] = _choice(value, name, W.Position)
        elif name == "language":
            out[name] = _choice(value, name, W.Language)
        elif name in ("prechat_name", "prechat_email"):
            out[name] = _choice(value, name, W.Field)
        elif name == "allowed_domains":
            out[name] = origins.clean_domains(value)
    if out.get("prechat_email", W.Field.REQUIRED) != W.Field.REQUIRED:
        # Conversations are answered by email too (outside hours, once the visitor left).
        raise errors.ValidationFailed(
            "prechat_email is always required: replies also go by email.", field="prechat_email"
        )
    if out.get("prechat_name") == W.Field.OFF:
        raise errors.ValidationFailed(
            "prechat_name may be optional or required.", field="prechat_name"
        )
    return out


def update_widget_settings(business: Business, /, **data) -> WidgetSettings:
    fields = clean_widget_fields(data)
    with transaction.atomic():
        ws, _ = WidgetSettings.objects.select_for_update().get_or_create(business=business)
        for name, value in fields.items():
            setattr(ws, name, value)
        ws.save()
        settings_changed(business, sorted(fields))
    return ws


def settings_changed(business: Business, changed: list[str]) -> None:
    """Open widgets of the business reload their settings (``widget.settings_changed``)."""
    publish(
        EventType.WIDGET_SETTINGS_CHANGED,
        business=business,
        audience=Audience(business_id=business.pk, widgets=WidgetScope.BUSINESS),
        data={"changed": changed},
    )


# --- business hours -------------------------------------------------------------------------


def _clean_weekly(value) -> dict:
    if not isinstance(value, dict):
        raise errors.ValidationFailed("weekly must map days 0-6 (Monday = 0) to time ranges.")
    out: dict = {}
    for day, ranges in value.items():
        if str(day) not in {str(d) for d in range(7)}:
            raise errors.ValidationFailed(f"weekly: {day!r} is not a day 0-6 (Monday = 0).")
        if not isinstance(ranges, list) or len(ranges) > 6:
            raise errors.ValidationFailed(f"weekly[{day}] must be a list of [start, end] ranges.")
        clean = []
        for pair in ranges:
            try:
                start, end = (time.fromisoformat(p) for p in pair)
                if not all(isinstance(p, str) for p in pair):
                    raise TypeError
            except (TypeError, ValueError):
                raise errors.ValidationFailed(
                    f'weekly[{day}]: {pair!r} is not a ["HH:MM", "HH:MM"] range.'
                ) from None
            if start >= end:
                raise errors.ValidationFailed(
                    f"weekly[{day}]: {pair[0]}-{pair[1]} ends before it starts "
                    "(split a range that crosses midnight)."
                )
            clean.append([start.strftime("%H:%M"), end.strftime("%H:%M")])
        if clean:
            out[str(day)] = sorted(clean)
    return out


def _clean_holidays(value) -> list[str]:
    if not isinstance(value, list) or len(value) > 366:
        raise errors.ValidationFailed("holidays must be a list of dates (YYYY-MM-DD).")
    for item in value:
        if not isinstance(item, str) or not is_holiday(item):
            raise errors.ValidationFailed(f"holidays: {item!r} is not a date (YYYY-MM-DD).")
    return sorted(set(value))


def update_business_hours(business: Business, /, **data) -> BusinessHours:
    """``timezone`` is the business's own (``do_update_business_settings``, reports use it)."""

    known = {"enabled", "weekly", "holidays", "away_message", "timezone"}
    unknown = set(data) - known
    if unknown:
        raise errors.ValidationFailed(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    fields: dict = {}
    if "enabled" in data:
        if not isinstance(data["enabled"], bool):
            raise errors.ValidationFailed("enabled must be true or false.", field="enabled")
        fields["enabled"] = data["enabled"]
    if "weekly" in data:
        fields["weekly"] = _clean_weekly(data["weekly"])
    if "holidays" in data:
        fields["holidays"] = _clean_holidays(data["holidays"])
    if "away_message" in data:
        fields["away_message"] = _text(data["away_message"], "away_message", 1000)
    with transaction.atomic():
        if "timezone" in data and data["timezone"] != business.timezone:
            updated = do_update_business_settings(business, timezone=data["timezone"])
            business.timezone = updated.timezone
        hours, _ = BusinessHours.objects.select_for_update().get_or_create(business=business)
        for name, value in fields.items():
            setattr(hours, name, value)
        hours.save()
        transaction.on_commit(lambda: business_hours.forget(business))
        settings_changed(business, ["hours"])
    return hours
