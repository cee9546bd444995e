"""PocketPing-style JSON for the ``/ws`` event stream, rendered from event snapshots.

Field names follow the pocketping-rest-api seed: a session is ``{id, visitorId, projectId,
status, createdAt, lastActivity, metadata}``; a message is ``{id, sessionId, content, type,
createdAt}`` with ``type`` one of visitor | operator | ai | system.
"""

from __future__ import annotations

import re

from conversations.events import DomainEvent, EventType


def _camel(key: str) -> str:
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), key)


def session(conv: dict) -> dict:
    """Same shape as the REST ``sessions`` resource (``conversations/api/sessions.py``)."""
    assignee = conv.get("assignee")
    metadata = conv["metadata"] if isinstance(conv["metadata"], dict) else {}
    return {
        "id": str(conv["id"]),
        "visitorId": str(conv["customer"]["id"]),
        "projectId": conv["business_id"],
        "status": "active" if conv["status"] in ("open", "pending") else "closed",
        "createdAt": conv["created_at"],
        "lastActivity": conv["last_activity_at"],
        "metadata": {_camel(k): v for k, v in metadata.items()},
        "channel": conv["channel_type"],
        "conversationStatus": conv["status"],
        "aiEnabled": conv["ai_enabled"],
        "needsHumanHandoff": conv["needs_human_handoff"],
        "assigneeId": assignee["id"] if assignee else None,
    }


def message(msg: dict) -> dict:
    return {
        "id": str(msg["id"]),
        "sessionId": str(msg["conversation_id"]),
        "content": msg["content"],
        "type": msg["kind"],
        "createdAt": msg["created_at"],
        "deliveredAt": msg["delivered_at"],
        "readAt": msg["read_at"],
    }


def customer(cust: dict) -> dict:
    return {
        "id": str(cust["id"]),
        "name": cust["name"],
        "email": cust["email"],
        "customerId": cust["external_id"] or None,
        "metadata": cust["metadata"],
    }


def agent(snap: dict | None) -> dict | None:
    if snap is None:
        return None
    return {"id": str(snap["id"]), "name": snap["name"], "status": snap["status"]}


def frames(event: DomainEvent) -> list[dict]:
    """The ``/ws`` frames an event becomes (usually one)."""
    d = event.data
    conv = d.get("conversation")
    sid = str(event.conversation_id) if event.conversation_id else None
    t = event.type
    if t == EventType.CONVERSATION_CREATED:
        return [{"type": "session.created", "session": session(conv)}]
    if t == EventType.MESSAGE_CREATED:
        return [{"type": "message.created", "sessionId": sid, "message": message(d["message"])}]
    if t == EventType.CONVERSATION_STATUS_CHANGED:
        out = [
            {
                "type": "session.status_changed",
                "sessionId": sid,
                "conversationStatus": d["status"],
                "previousConversationStatus": d["previous_status"],
                "session": session(conv),
            }
        ]
        if d["status"] == "closed":
            out.append({"type": "session.closed", "sessionId": sid})
        return out
    if t == EventType.CONVERSATION_ASSIGNED:
        return [
            {
                "type": "session.assigned",
                "sessionId": sid,
                "assignee": agent(d.get("assignee")),
                "previousAssignee": agent(d.get("previous_assignee")),
                "session": session(conv),
            }
        ]
    if t == EventType.CONVERSATION_HANDOFF_REQUESTED:
        return [
            {
                "type": "session.handoff_requested",
                "sessionId": sid,
                "reason": d.get("reason", ""),
                "session": session(conv),
            }
        ]
    if t == EventType.CONVERSATION_HANDOFF_CLEARED:
        return [{"type": "session.handoff_cleared", "sessionId": sid, "session": session(conv)}]
    if t == EventType.CONVERSATION_AI_TOGGLED:
        return [{"type": "session.ai_toggled", "sessionId": sid, "enabled": d["enabled"]}]
    if t in (EventType.MESSAGES_DELIVERED, EventType.MESSAGES_READ):
        field = "delivered_at" if t == EventType.MESSAGES_DELIVERED else "read_at"
        return [
            {
                "type": str(t),
                "sessionId": sid,
                "reader": d["reader"],
                "messageIds": [str(r["message_id"]) for r in d["receipts"]],
                "at": d["receipts"][0][field] if d["receipts"] else None,
            }
        ]
    if t == EventType.CUSTOMER_IDENTIFIED:
        return [{"type": "customer.identified", "customer": customer(d["customer"])}]
    if t == EventType.AGENT_STATUS_CHANGED:
        return [
            {
                "type": "agent.status_changed",
                "agent": agent(d["agent"]),
                "previousStatus": d["previous_status"],
            }
        ]
    return []
