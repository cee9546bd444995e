"""What a report's filters cover when it is computed from the conversations themselves (label
filter, business hours): the local days as instants, and the filtered conversations."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from conversations.models import Business, Conversation

if TYPE_CHECKING:
    from reports.queries import Filters


def instants(business: Business, f: Filters) -> tuple[ZoneInfo, datetime, datetime]:
    """The zone and [start of ``f.start``, start of the day after ``f.end``)."""
    zone = ZoneInfo(business.timezone)
    start = datetime.combine(f.start, time.min, zone)
    end = datetime.combine(f.end + timedelta(days=1), time.min, zone)
    return zone, start, end


def conversations(business: Business, f: Filters):
    """The business's conversations with the filter's label, channel and assignee."""
    convs = Conversation.objects.filter(business=business)
    if f.label_id is not None:
        convs = convs.filter(label_links__label_id=f.label_id)
    if f.channel:
        convs = convs.filter(channel_type=f.channel)
    if f.agent_id is not None:
        convs = convs.filter(assignee_id=f.agent_id)
    return convs
