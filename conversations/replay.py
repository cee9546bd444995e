"""Replay for integrations: the events an API key's business missed, from the event log.

The ``/ws`` stream (``lastEventId`` in its auth frame) and ``GET /api/v1/events?after=`` page
through the same rows and render them with the PocketPing projection
(``conversations.pocketping_events``), exactly as webhooks and the live stream send them.
Events are kept ``EVENT_LOG_RETENTION_DAYS``; a cursor older than what was pruned answers
``EVENT_CURSOR_EXPIRED`` instead of a silently incomplete replay.
"""

from __future__ import annotations

from conversations import errors
from conversations.events import EventType, event_from_log
from conversations.models import Business, EventLog, EventLogHorizon
from conversations.pocketping_events import POCKETPING, envelope

PAGE_MAX = 500
# Event types integrations see (the projection's rows that render something).
SHOWN_TYPES = [str(t) for t in EventType if POCKETPING.shows(t)]


def parse_cursor(value, field: str = "after") -> int:
    """A resume cursor: the last event id the client processed (0 or absent: from the start)."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise errors.ValidationFailed(f"{field} must be an event id.", field=field)
    if isinstance(value, str):
        if not value.isascii() or not value.isdigit() or len(value) > 18:
            raise errors.ValidationFailed(f"{field} must be an event id.", field=field)
        value = int(value)
    if not isinstance(value, int) or not 0 <= value < 2**63:
        raise errors.ValidationFailed(f"{field} must be an event id.", field=field)
    return value


def latest_event_id(business: Business) -> int:
    """The cursor of "now": the business's newest event id (0 when it has none)."""
    return (
        EventLog.objects.filter(business=business).order_by("-id").values_list("id", flat=True)
    ).first() or 0


def check_cursor(after: int) -> None:
    horizon = EventLogHorizon.objects.filter(pk=1).values_list("pruned_through_id", flat=True)
    pruned = horizon.first() or 0
    if after and after < pruned:
        raise errors.CursorExpired(
            f"Events after {after} are no longer kept (EVENT_LOG_RETENTION_DAYS); "
            "resynchronise through the REST API, then resume from a newer event id."
        )


def events_after(business: Business, after: int, limit: int = PAGE_MAX) -> list:
    """The next ``limit`` events of ``business`` after ``after``, oldest first, as
    ``(event, (name, data))`` pairs; raises ``CursorExpired`` for a pruned cursor."""
    check_cursor(after)
    rows = EventLog.objects.filter(business=business, id__gt=after, type__in=SHOWN_TYPES).order_by(
        "id"
    )[: max(1, min(limit, PAGE_MAX))]
    out = []
    for row in rows:
        event = event_from_log(row, business.public_id)
        rendered = POCKETPING.render(event)
        if rendered:
            out.append((event, rendered[0]))
    return out


def page(business: Business, after: int, limit: int = 100) -> dict:
    """``GET /api/v1/events``: webhook-shaped events plus their numeric ``eventId``."""
    limit = max(1, min(limit, PAGE_MAX))
    found = events_after(business, after, limit)
    items = [{**envelope(event, name, data), "eventId": event.id} for event, (name, data) in found]
    last = items[-1]["eventId"] if items else after
    return {"events": items, "lastEventId": last, "hasMore": len(items) == limit}
