"""Report filters from query parameters (REST and the inbox page parse them the same way)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from conversations import access, errors
from conversations.models import Business, Conversation
from reports import business_hours
from reports.queries import MAX_DAYS, Filters
from teamtools.queries import access_label

DEFAULT_DAYS = 7


def today_in(business: Business) -> date:
    return datetime.now(ZoneInfo(business.timezone)).date()


def _date(params, name: str) -> date | None:
    raw = params.get(name) or ""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise errors.ValidationFailed(
            f"{name} must be a date like 2026-03-29.", field=name
        ) from None


def parse(business: Business, params) -> Filters:
    """``from``/``to`` (local days, inclusive; default: the last 7 days), ``channel``,
    ``agent_id`` (an agent of this business), ``label_id`` (a label of this business),
    ``business_hours`` (times in business hours; the business must have hours)."""
    end = _date(params, "to") or today_in(business)
    start = _date(params, "from") or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise errors.ValidationFailed("from must not be after to.", field="from")
    if (end - start).days >= MAX_DAYS:
        raise errors.ValidationFailed(f"A report covers at most {MAX_DAYS} days.", field="from")
    channel = params.get("channel") or None
    if channel is not None and channel not in Conversation.Channel.values:
        raise errors.ValidationFailed(
            f"channel must be one of {', '.join(Conversation.Channel.values)}.", field="channel"
        )
    agent_id = label_id = None
    if params.get("agent_id"):
        agent_id = access.access_agent(business, params["agent_id"]).pk
    if params.get("label_id"):
        label_id = access_label(business, params["label_id"]).pk
    hours = _flag(params, "business_hours")
    if hours:
        business_hours.check(business)
    return Filters(start, end, channel, agent_id, label_id, hours)


def _flag(params, name: str) -> bool:
    raw = (params.get(name) or "").lower()
    if raw in ("", "0", "false", "off"):
        return False
    if raw in ("1", "true", "on"):
        return True
    raise errors.ValidationFailed(f"{name} must be true or false.", field=name)
