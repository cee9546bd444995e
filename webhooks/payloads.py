"""The webhook event catalogue and the JSON bodies PingBack sends.

Body: ``{"id": "evt_<event id>", "event": name, "timestamp": ISO-8601, "businessId", "data"}``
(the seed's ``{event, timestamp, data}`` plus a stable id, also sent as ``webhook-id``).
Names and data come from the PocketPing projection (``conversations.pocketping_events``),
shared with the ``/ws`` stream, so an event means the same on both.
"""

import json

from conversations import pocketping_events
from conversations.pocketping_events import (  # noqa: F401 - the catalogue's names
    CUSTOMER_IDENTIFIED,
    MESSAGE_CREATED,
    MESSAGE_DELIVERED,
    MESSAGE_READ,
    SESSION_ASSIGNED,
    SESSION_CLOSED,
    SESSION_CREATED,
    SESSION_HANDOFF_REQUESTED,
    SESSION_STATUS_CHANGED,
)

WEBHOOK_TEST = "webhook.test"

# The events an endpoint can subscribe to: every event the PocketPing projection sends,
# the same as the /ws stream.
CATALOGUE = pocketping_events.NAMES
ALL = "*"


def render(event) -> tuple[str, dict] | None:
    """``(event name, data)`` of a domain event, or None when webhooks don't send it."""
    return pocketping_events.render(event)


def body(webhook_id: str, name: str, timestamp: str, business_public_id: str, data: dict) -> str:
    """The exact JSON text sent (and signed), stored once so every retry is identical."""
    payload = {
        "id": webhook_id,
        "event": name,
        "timestamp": timestamp,
        "businessId": business_public_id,
        "data": data,
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
