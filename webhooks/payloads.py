"""The webhook event catalogue and the JSON bodies PingBack sends.

Body: ``{"id": "evt_<event id>", "event": name, "timestamp": ISO-8601, "businessId", "data"}``
(the seed's ``{event, timestamp, data}`` plus a stable id, also sent as ``webhook-id``).
Sessions and messages are rendered PocketPing-style (camelCase, ``sessionId``, message
``type`` visitor/operator/ai/system) from the domain snapshots carried by the event.
"""

import json

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


def session_id(conversation_id) -> str | None:
    return f"sess_{conversation_id}" if conversation_id is not None else None


def _visitor(customer: dict | None) -> dict | None:
    if not customer:
        return None
    return {
        "id": f"vis_{customer['id']}",
        "name": customer.get("name") or "",
        "email": customer.get("email") or "",
        "customerId": customer.get("external_id") or None,
        "metadata": customer.get("metadata") or {},
    }


def _agent(agent: dict | None) -> dict | None:
    if not agent:
        return None
    return {"id": agent["id"], "name": agent["name"], "email": agent["email"]}


def _session(conv: dict) -> dict:
    metadata = conv.get("metadata") or {}
    return {
        "id": session_id(conv["id"]),
        "visitorId": f"vis_{conv['customer']['id']}",
        "projectId": conv["business_id"],
        "status": conv["status"],
        "channelType": conv["channel_type"],
        "assignee": _agent(conv.get("assignee")),
        "needsHumanHandoff": conv["needs_human_handoff"],
        "aiEnabled": conv["ai_enabled"],
        "createdAt": conv["created_at"],
        "lastActivity": conv["last_activity_at"],
        "resolvedAt": conv["resolved_at"],
        "closedAt": conv["closed_at"],
        "visitor": _visitor(conv.get("customer")),
        "metadata": {
            **{k: v for k, v in metadata.items() if k not in ("page_url", "user_agent")},
            "pageUrl": metadata.get("page_url", metadata.get("pageUrl")),
            "userAgent": metadata.get("user_agent", metadata.get("userAgent")),
        },
    }


def _message(msg: dict) -> dict:
    return {
        "id": f"msg_{msg['id']}",
        "sessionId": session_id(msg["conversation_id"]),
        "content": msg["content"],
        "type": msg["kind"],
        "contentType": msg["content_type"],
        "createdAt": msg["created_at"],
    }


def event_data(name: str, data: dict) -> dict:
    """The ``data`` object of ``name`` built from the domain event's snapshots."""
    conv = data.get("conversation")
    if name == MESSAGE_CREATED:
        return {"sessionId": session_id(conv["id"]), "message": _message(data["message"])}
    if name in (MESSAGE_DELIVERED, MESSAGE_READ):
        stamp = "delivered_at" if name == MESSAGE_DELIVERED else "read_at"
        return {
            "sessionId": session_id(data["conversation_id"]),
            "reader": "visitor" if data["reader"] == "customer" else "operator",
            "messageIds": [f"msg_{r['message_id']}" for r in data["receipts"]],
            "at": data["receipts"][-1][stamp] if data["receipts"] else None,
        }
    if name == CUSTOMER_IDENTIFIED:
        return {"visitor": _visitor(data["customer"])}
    out = {"sessionId": session_id(conv["id"]), "session": _session(conv)}
    if name in (SESSION_STATUS_CHANGED, SESSION_CLOSED):
        out["status"] = data["status"]
        out["previousStatus"] = data["previous_status"]
    elif name == SESSION_ASSIGNED:
        out["assignee"] = _agent(data.get("assignee"))
        out["previousAssignee"] = _agent(data.get("previous_assignee"))
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
