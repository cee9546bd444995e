"""The webhook event catalogue and the JSON bodies PingBack sends.

Body: ``{"id": "evt_<event id>", "event": name, "timestamp": ISO-8601, "businessId", "data"}``
(the seed's ``{event, timestamp, data}`` plus a stable id, also sent as ``webhook-id``).
Sessions, messages, visitors and agents are rendered by ``conversations.pocketping``, exactly
as the REST ``sessions`` resource and the ``/ws`` stream show them.
"""

import json

from conversations import pocketping
from conversations.events import EventType

SESSION_CREATED = "session.created"
SESSION_CLOSED = "session.closed"
SESSION_STATUS_CHANGED = "session.status_changed"
SESSION_ASSIGNED = "session.assigned"
SESSION_HANDOFF_REQUESTED = "session.handoff_requested"
MESSAGE_CREATED = "message.created"
MESSAGE_DELIVERED = "message.delivered"
MESSAGE_READ = "message.read"
CUSTOMER_IDENTIFIED = "customer.identified"
WEBHOOK_TEST = "webhook.test"

CATALOGUE = (
    SESSION_CREATED,
    MESSAGE_CREATED,
    SESSION_CLOSED,
    SESSION_STATUS_CHANGED,
    SESSION_ASSIGNED,
    SESSION_HANDOFF_REQUESTED,
    CUSTOMER_IDENTIFIED,
    MESSAGE_DELIVERED,
    MESSAGE_READ,
)
ALL = "*"


def webhook_event_name(event_type: str, data: dict) -> str | None:
    """The webhook event a domain event becomes, or None when it is not sent as a webhook."""
    if event_type == EventType.CONVERSATION_STATUS_CHANGED:
        return SESSION_CLOSED if data.get("status") == "closed" else SESSION_STATUS_CHANGED
    return {
        EventType.CONVERSATION_CREATED: SESSION_CREATED,
        EventType.MESSAGE_CREATED: MESSAGE_CREATED,
        EventType.CONVERSATION_ASSIGNED: SESSION_ASSIGNED,
        EventType.CONVERSATION_HANDOFF_REQUESTED: SESSION_HANDOFF_REQUESTED,
        EventType.CUSTOMER_IDENTIFIED: CUSTOMER_IDENTIFIED,
        EventType.MESSAGES_DELIVERED: MESSAGE_DELIVERED,
        EventType.MESSAGES_READ: MESSAGE_READ,
    }.get(event_type)


def event_data(name: str, data: dict) -> dict:
    """The ``data`` object of ``name`` built from the domain event's snapshots."""
    conv = data.get("conversation")
    if name == MESSAGE_CREATED:
        return {"sessionId": str(conv["id"]), "message": pocketping.message(data["message"])}
    if name in (MESSAGE_DELIVERED, MESSAGE_READ):
        return pocketping.receipts(data)
    if name == CUSTOMER_IDENTIFIED:
        return {"visitor": pocketping.visitor(data["customer"])}
    out = {"sessionId": str(conv["id"]), "session": pocketping.session(conv)}
    if name in (SESSION_STATUS_CHANGED, SESSION_CLOSED):
        out["conversationStatus"] = data["status"]
        out["previousConversationStatus"] = data["previous_status"]
    elif name == SESSION_ASSIGNED:
        out["assignee"] = pocketping.agent(data.get("assignee"))
        out["previousAssignee"] = pocketping.agent(data.get("previous_assignee"))
    elif name == SESSION_HANDOFF_REQUESTED:
        out["reason"] = data.get("reason") or conv.get("handoff_reason") or ""
    return out


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
