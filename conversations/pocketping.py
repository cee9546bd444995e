"""PocketPing-style JSON (seed ``pocketping-rest-api``): one renderer for every surface.

The REST ``sessions`` resource, the ``/ws`` event stream and webhook bodies all render a
conversation as a *session* through these functions, from the domain snapshots
(``conversations.snapshots``), so an id or a field reads the same wherever a developer meets it.

- session ``id`` is the conversation id as a string (``/api/v1/sessions/{id}`` takes it back);
  ``visitorId`` the customer id; ``projectId`` the business's public id.
- ``status``: ``open`` and ``pending`` are ``active``; ``resolved`` and ``closed`` are ``closed``
  (``conversationStatus`` carries PingBack's own status).
- message ``type``: customer → ``visitor``, agent → ``operator``, system → ``ai`` when written
  by the AI, else ``system``.
"""

import re

from attachments.links import LINK, relink

ACTIVE_STATUSES = ("open", "pending")


def camel(key: str) -> str:
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), key)


def session_status(status: str) -> str:
    return "active" if status in ACTIVE_STATUSES else "closed"


def session(conv: dict) -> dict:
    assignee = conv.get("assignee")
    metadata = conv["metadata"] if isinstance(conv["metadata"], dict) else {}
    return {
        "id": str(conv["id"]),
        "visitorId": str(conv["customer"]["id"]),
        "projectId": conv["business_id"],
        "status": session_status(conv["status"]),
        "createdAt": conv["created_at"],
        "lastActivity": conv["last_activity_at"],
        "metadata": {camel(k): v for k, v in metadata.items()},
        "channel": conv["channel_type"],
        "conversationStatus": conv["status"],
        "aiEnabled": conv["ai_enabled"],
        "needsHumanHandoff": conv["needs_human_handoff"],
        "assigneeId": assignee["id"] if assignee else None,
    }


def message(msg: dict) -> dict:
    """Attachment URLs here carry their own signature (``link`` scope: no PingBack session is
    needed; they expire after ``ATTACHMENTS_LINK_MAX_AGE``, docs/attachments.md)."""

    msg = relink(msg, LINK)
    return {
        "id": str(msg["id"]),
        "sessionId": str(msg["conversation_id"]),
        "content": msg["content"],
        "text": msg.get("text", msg["content"]),
        "attachments": [
            {
                "id": str(a["id"]),
                "name": a["name"],
                "size": a["size"],
                "contentType": a["content_type"],
                "url": a["url"],
                "thumbnailUrl": a["thumbnail_url"],
                "width": a["width"],
                "height": a["height"],
            }
            for a in msg.get("attachments") or []
        ],
        "type": msg["kind"],
        "createdAt": msg["created_at"],
        "deliveredAt": msg["delivered_at"],
        "readAt": msg["read_at"],
    }


def visitor(customer: dict) -> dict:
    return {
        "id": str(customer["id"]),
        "name": customer["name"],
        "email": customer["email"],
        "customerId": customer["external_id"] or None,
        "metadata": customer["metadata"],
        "identifiedAt": customer["identified_at"],
    }


def agent(snapshot: dict | None) -> dict | None:
    if snapshot is None:
        return None
    return {"id": str(snapshot["id"]), "name": snapshot["name"], "status": snapshot["status"]}


def receipts(data: dict) -> dict:
    """A delivered/read event's ``{sessionId, reader, messageIds, at}``."""
    stamps = data["receipts"]
    field = "read_at" if stamps and "read_at" in stamps[0] else "delivered_at"
    return {
        "sessionId": str(data["conversation_id"]),
        "reader": "visitor" if data["reader"] == "customer" else "operator",
        "messageIds": [str(r["message_id"]) for r in stamps],
        "at": stamps[-1][field] if stamps else None,
    }
