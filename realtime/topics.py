"""The realtime topics API: topic names, the objects it publishes, and subscribe snapshots.

Topics (``PROJECT_ID`` is the business's public id, "project" in the seed):

- ``/<b>/requests`` — open conversations (status ``open`` or ``pending``)
- ``/<b>/requests/<id>`` — one conversation
- ``/<b>/requests/<id>/messages`` — its messages
- ``/<b>/requests/<id>/notes`` — its private notes (staff only, like every topic)
- ``/<b>/project_users/<agent id>`` — one agent (membership) of the business

Objects are rendered from the canonical event snapshots (``conversations.snapshots``), so a
live push and a subscribe snapshot of the same object have the same shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings

from attachments.links import LINK, item
from conversations import access, errors
from conversations.models import Agent, Conversation
from conversations.snapshots import agent_snapshot, conversation_snapshot, iso, message_snapshot
from teamtools.queries import latest_notes

CREATE = "CREATE"
UPDATE = "UPDATE"

# Conversations listed on /<b>/requests: the ones still waiting for the team.
OPEN_STATUSES = (Conversation.Status.OPEN, Conversation.Status.PENDING)

TOPIC_RE = re.compile(
    r"/(?P<business>[A-Za-z0-9_-]{1,32})/"
    r"(?:(?P<requests>requests)"
    r"|requests/(?P<request>\d{1,18})"
    r"|requests/(?P<messages>\d{1,18})/messages"
    r"|requests/(?P<notes>\d{1,18})/notes"
    r"|project_users/(?P<agent>\d{1,18}))"
)


class TopicError(Exception):
    """A subscribe/unsubscribe the server refuses; rendered as an ``error`` frame."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def not_found() -> TopicError:
    # Unknown, foreign and forbidden topics get the same answer: nothing reveals what exists.
    return TopicError("TOPIC_NOT_FOUND", "No such topic, or you may not subscribe to it.")


@dataclass(frozen=True)
class Topic:
    name: str
    business_public_id: str
    kind: str  # "requests" | "request" | "messages" | "notes" | "project_user"
    object_id: int | None = None

    @property
    def group(self) -> str:
        """The channel-layer group of this topic (ASCII, dots, under 100 characters)."""
        suffix = {
            "requests": "requests",
            "request": f"request.{self.object_id}",
            "messages": f"messages.{self.object_id}",
            "notes": f"notes.{self.object_id}",
            "project_user": f"project_user.{self.object_id}",
        }[self.kind]
        return f"topics.{self.business_public_id}.{suffix}"


def parse_topic(raw) -> Topic:
    if not isinstance(raw, str) or not raw:
        raise TopicError("INVALID_TOPIC", "payload.topic must be a topic string.")
    match = TOPIC_RE.fullmatch(raw)
    if match is None:
        raise TopicError(
            "INVALID_TOPIC",
            "Unknown topic format; expected /<project>/requests, /<project>/requests/<id>, "
            "/<project>/requests/<id>/messages, /<project>/requests/<id>/notes or "
            "/<project>/project_users/<id>.",
        )
    business = match["business"]
    if match["requests"]:
        return Topic(raw, business, "requests")
    if match["request"]:
        return Topic(raw, business, "request", int(match["request"]))
    if match["messages"]:
        return Topic(raw, business, "messages", int(match["messages"]))
    if match["notes"]:
        return Topic(raw, business, "notes", int(match["notes"]))
    return Topic(raw, business, "project_user", int(match["agent"]))


def requests_topic(business_public_id: str) -> Topic:
    return Topic(f"/{business_public_id}/requests", business_public_id, "requests")


def request_topic(business_public_id: str, conversation_id: int) -> Topic:
    return Topic(
        f"/{business_public_id}/requests/{conversation_id}",
        business_public_id,
        "request",
        conversation_id,
    )


def messages_topic(business_public_id: str, conversation_id: int) -> Topic:
    return Topic(
        f"/{business_public_id}/requests/{conversation_id}/messages",
        business_public_id,
        "messages",
        conversation_id,
    )


def notes_topic(business_public_id: str, conversation_id: int) -> Topic:
    return Topic(
        f"/{business_public_id}/requests/{conversation_id}/notes",
        business_public_id,
        "notes",
        conversation_id,
    )


def project_user_topic(business_public_id: str, agent_id: int) -> Topic:
    return Topic(
        f"/{business_public_id}/project_users/{agent_id}",
        business_public_id,
        "project_user",
        agent_id,
    )


# --- published objects --------------------------------------------------------------------


def _ms_between(start: str | None, end: str | None) -> int | None:
    from datetime import datetime

    if not start or not end:
        return None
    a = datetime.fromisoformat(start.replace("Z", "+00:00"))
    b = datetime.fromisoformat(end.replace("Z", "+00:00"))
    return int((b - a).total_seconds() * 1000)


def request_item(conv: dict) -> dict:
    """A conversation ("request") from its snapshot: the seed's fields plus PingBack's."""
    pk = str(conv["id"])
    assignee = conv.get("assignee")
    customer = conv["customer"]
    return {
        "_id": pk,
        "id": pk,
        "request_id": pk,
        "id_project": conv["business_id"],
        "status": conv["status"],
        "preflight": False,
        "participants": [str(assignee["id"])] if assignee else [],
        "assignee": assignee,
        "requester": str(customer["id"]),
        "lead": {
            "_id": str(customer["id"]),
            "lead_id": customer.get("external_id") or str(customer["id"]),
            "fullname": customer.get("name", ""),
            "email": customer.get("email", ""),
        },
        "customer": customer,
        "channel": {"name": conv["channel_type"]},
        "first_text": conv["first_message_text"],
        "last_text": conv["last_message_text"],
        "message_count": conv["message_count"],
        "needs_human_handoff": conv["needs_human_handoff"],
        "handoff_reason": conv["handoff_reason"],
        "ai_enabled": conv["ai_enabled"],
        "attributes": conv["metadata"],
        "tags": [],
        "notes": [],
        "createdAt": conv["created_at"],
        "updatedAt": conv["updated_at"],
        "last_activity_at": conv["last_activity_at"],
        "assigned_at": conv["assigned_at"],
        "first_response_at": conv["first_response_at"],
        "resolved_at": conv["resolved_at"],
        "closed_at": conv["closed_at"],
        "snoozed_until": conv.get("snoozed_until"),
        # Milliseconds from creation to the first agent reply (the seed's waiting_time).
        "waiting_time": _ms_between(conv["created_at"], conv["first_response_at"]),
    }


def _tiledesk_file(msg: dict) -> tuple[str, dict | None, list]:
    """Tiledesk's message ``type`` and ``metadata`` for an attachment message (its first file;
    every file, link-signed, in ``attachments``)."""

    files = [item(a, LINK) for a in msg.get("attachments") or []]
    if not files:
        return ("file" if msg["content_type"] == "attachment" else "text"), None, []
    first = files[0]
    kind = "image" if first["width"] and first["content_type"].startswith("image/") else "file"
    metadata = {
        "src": first["url"],
        "name": first["name"],
        "type": first["content_type"],
        "width": first["width"],
        "height": first["height"],
        "size": first["size"],
    }
    return kind, metadata, files


def message_item(msg: dict, business_public_id: str) -> dict:
    pk = str(msg["id"])
    kind, metadata, files = _tiledesk_file(msg)
    request_id = str(msg["conversation_id"])
    if msg["sender_type"] == "agent" and msg.get("sender_agent_id"):
        sender = str(msg["sender_agent_id"])
    else:
        sender = msg["sender_type"]
    return {
        "_id": pk,
        "id": pk,
        "request_id": request_id,
        "recipient": request_id,
        "id_project": business_public_id,
        "sender": sender,
        "senderFullname": msg["sender_name"],
        "sender_type": msg["sender_type"],
        "kind": msg["kind"],
        "is_ai": msg["is_ai"],
        "type": kind,
        "text": msg.get("text", msg["content"]) if files else msg["content"],
        "metadata": metadata,
        "attachments": files,
        "client_id": msg["client_id"],
        "createdAt": msg["created_at"],
        "delivered_at": msg["delivered_at"],
        "read_at": msg["read_at"],
    }


def note_item(note: dict, business_public_id: str) -> dict:
    """A private note from its snapshot (``teamtools.snapshots``)."""
    pk = str(note["id"])
    author = note["author"]
    return {
        "_id": pk,
        "id": pk,
        "request_id": str(note["conversation_id"]),
        "id_project": business_public_id,
        "sender": str(author["id"]) if author else "",
        "senderFullname": author["name"] if author else "",
        "text": note["content"],
        "mentions": [str(a["id"]) for a in note["mentions"]],
        "createdAt": note["created_at"],
    }


def project_user_item(agent: dict, business_public_id: str, changed_at: str | None) -> dict:
    pk = str(agent["id"])
    return {
        "_id": pk,
        "id": pk,
        "id_project": business_public_id,
        "id_user": str(agent["user_id"]),
        "fullname": agent["name"],
        "email": agent["email"],
        "role": agent["role"],
        "status": agent["status"],
        "user_available": agent["status"] == Agent.Status.ONLINE,
        "presence": {"status": agent["status"], "changedAt": changed_at},
    }


# --- subscribe ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    topic: Topic
    business_id: int
    agent_id: int
    is_manager: bool
    snapshot: list


def subscribe(user, raw_topic, snapshot_size: int | None = None) -> Subscription:
    """Check that ``user`` may read ``raw_topic`` and build its snapshot (sync, uses the ORM).

    The membership is re-read here, so a role change applies from the next subscribe on.
    """
    topic = parse_topic(raw_topic)
    size = snapshot_size or settings.TOPICS_SNAPSHOT_SIZE
    try:
        business = access.business_by_public_id(topic.business_public_id)
    except errors.NotFound:
        raise not_found() from None
    agent = access.membership(user, business)
    if agent is None:
        raise not_found()
    b = business.public_id
    if topic.kind == "requests":
        convs = (
            access.visible_conversations(agent, business)
            .filter(status__in=OPEN_STATUSES)
            .select_related("customer", "assignee__user", "business")
            .order_by("-last_activity_at", "-id")[:size]
        )
        items = [request_item(conversation_snapshot(c)) for c in convs]
    elif topic.kind in ("request", "messages", "notes"):
        try:
            conv = access.access_conversation(business, topic.object_id, agent=agent)
        except errors.NotFound:
            raise not_found() from None
        if topic.kind == "request":
            items = [request_item(conversation_snapshot(conv))]
        elif topic.kind == "notes":
            items = [note_item(n, b) for n in latest_notes(conv, size)]
        else:
            latest = list(conv.messages.select_related("sender_agent__user").order_by("-id")[:size])
            latest.reverse()  # the most recent N, oldest first
            for m in latest:
                m.conversation = conv  # the customer's name comes from it: no query per row
            items = [message_item(message_snapshot(m), b) for m in latest]
    else:
        try:
            member = access.access_agent(business, topic.object_id)
        except errors.NotFound:
            raise not_found() from None
        items = [project_user_item(agent_snapshot(member), b, iso(member.status_changed_at))]
    return Subscription(topic, business.pk, agent.pk, agent.is_manager, items)


def publish_frame(topic: str, method: str, items: list) -> dict:
    return {"action": "publish", "payload": {"topic": topic, "method": method, "message": items}}


def error_frame(code: str, message: str, topic=None) -> dict:
    return {"action": "error", "payload": {"code": code, "message": message, "topic": topic}}
