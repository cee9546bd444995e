"""The realtime topics API: topic names, the objects it publishes, and subscribe snapshots.

Topics (``PROJECT_ID`` is the business's public id, "project" in the seed):

- ``/<b>/requests`` — open conversations (status ``open`` or ``pending``)
- ``/<b>/requests/<id>`` — one conversation
- ``/<b>/requests/<id>/messages`` — its messages
- ``/<b>/requests/<id>/notes`` — its private notes (staff only, like every topic)
- ``/<b>/project_users/<agent id>`` — one agent (membership) of the business
- ``/<b>/project_users/users/<user id>`` — the same, found by the agent's user id (Tiledesk's
  dashboard subscribes this way: ``ws-requests.service.ts``)

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
from conversations.snapshots import (
    agent_snapshot,
    conversation_snapshot,
    iso,
    message_snapshot,
)
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
    r"|project_users/(?P<agent>\d{1,18})"
    r"|project_users/users/(?P<user>\d{1,18}))"
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
    # "requests" | "request" | "messages" | "notes" | "project_user" | "project_user_by_user"
    kind: str
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
            "project_user_by_user": f"project_user.user.{self.object_id}",
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
            "/<project>/requests/<id>/messages, /<project>/requests/<id>/notes, "
            "/<project>/project_users/<id> or /<project>/project_users/users/<user id>.",
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
    if match["agent"]:
        return Topic(raw, business, "project_user", int(match["agent"]))
    return Topic(raw, business, "project_user_by_user", int(match["user"]))


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


def project_user_by_user_topic(business_public_id: str, user_id: int) -> Topic:
    return Topic(
        f"/{business_public_id}/project_users/users/{user_id}",
        business_public_id,
        "project_user_by_user",
        user_id,
    )


# --- published objects (Tiledesk's shapes; see docs/realtime-topics.md for the sources) ------

# Tiledesk's request statuses (tiledesk-server models/requestConstants.js; the dashboard's lists
# filter on them: ws-requests-list.component.ts puts 100/150 in "unserved", 200 in "served",
# ws-requests.service.ts drops a request pushed with 1000).
REQUEST_UNSERVED = 100
REQUEST_SERVED = 200
REQUEST_CLOSED = 1000

# Tiledesk's (chat21's) message statuses: SENT 100, DELIVERED 150, SEEN 300.
MESSAGE_SENT = 100
MESSAGE_DELIVERED = 150
MESSAGE_SEEN = 300


def request_status(conv: dict) -> int:
    """PingBack's four statuses as Tiledesk's codes: resolved and closed are closed (1000); an
    open or pending conversation is served (200) once it has an assignee, else unserved (100)."""
    if conv["status"] not in OPEN_STATUSES:
        return REQUEST_CLOSED
    return REQUEST_SERVED if conv.get("assignee") else REQUEST_UNSERVED


def message_status(msg: dict) -> int:
    if msg["read_at"]:
        return MESSAGE_SEEN
    return MESSAGE_DELIVERED if msg["delivered_at"] else MESSAGE_SENT


def lead_id(customer_id: int) -> str:
    """The visitor's id: a request's ``lead.lead_id`` and the ``sender`` of their messages
    (the dashboard puts a message on the visitor's side when ``sender === lead.lead_id``)."""
    return f"visitor_{customer_id}"


def bot_id(business_public_id: str) -> str:
    """The AI assistant's sender id (the dashboard shows ``bot_*`` senders as bots)."""
    return f"bot_{business_public_id}"


SYSTEM_SENDER = "system"


def default_department(business_public_id: str) -> dict:
    """PingBack routes without departments: every request is in the project's default one, as in
    a Tiledesk project that never added any."""
    return {"_id": f"{business_public_id}-default", "name": "Default", "default": True}


def _ms_between(start: str | None, end: str | None) -> int | None:
    from datetime import datetime

    if not start or not end:
        return None
    a = datetime.fromisoformat(start.replace("Z", "+00:00"))
    b = datetime.fromisoformat(end.replace("Z", "+00:00"))
    return int((b - a).total_seconds() * 1000)


def user_object(agent: dict) -> dict:
    """Tiledesk's populated ``id_user`` (``_id`` is the user id; names split from the display
    name, which is what PingBack stores)."""
    first, _, last = agent["name"].partition(" ")
    return {
        "_id": str(agent["user_id"]),
        "firstname": first,
        "lastname": last,
        "email": agent["email"],
    }


def with_rating(item: dict, rating: dict) -> dict:
    """Tiledesk's ``rating`` and ``rating_message`` of a request the customer rated (CSAT)."""
    return {**item, "rating": rating["score"], "rating_message": rating["comment"]}


def tag(label: dict) -> dict:
    return {"_id": str(label["id"]), "tag": label["name"], "color": label["color"]}


def request_item(conv: dict) -> dict:
    """A conversation ("request") from its snapshot: Tiledesk's fields plus PingBack's."""
    pk = str(conv["id"])
    assignee = conv.get("assignee")
    customer = conv["customer"]
    b = conv["business_id"]
    lead = {
        "_id": str(customer["id"]),
        "lead_id": lead_id(customer["id"]),
        "id_project": b,
        "fullname": customer.get("name", ""),
        "email": customer.get("email", ""),
        "attributes": customer.get("metadata") or {},
        "createdAt": customer.get("created_at"),
    }
    department = default_department(b)
    participants = [str(assignee["user_id"])] if assignee else []
    item = {
        "_id": pk,
        "id": pk,
        "request_id": pk,
        "id_project": b,
        "status": request_status(conv),
        "pingback_status": conv["status"],
        "preflight": False,
        "hasBot": conv["ai_enabled"] and not assignee,
        "participants": participants,
        "participantsAgents": participants,
        "participantsBots": [bot_id(b)] if conv["ai_enabled"] and not assignee else [],
        "assignee": assignee,
        "requester": str(customer["id"]),
        "lead": lead,
        "customer": customer,
        "department": department,
        "snapshot": {
            "lead": lead,
            "department": department,
            "agents": [user_object(assignee)] if assignee else [],
        },
        "channel": {"name": conv["channel_type"]},
        "first_text": conv["first_message_text"],
        "last_text": conv["last_message_text"],
        "message_count": conv["message_count"],
        "needs_human_handoff": conv["needs_human_handoff"],
        "handoff_reason": conv["handoff_reason"],
        "ai_enabled": conv["ai_enabled"],
        "attributes": conv["metadata"],
        # Labels as Tiledesk's request tags (``models/tag.js``: ``tag`` and ``color``; a
        # Mongoose sub-document also has an ``_id``).
        "tags": [tag(label) for label in conv["labels"]],
        "notes": [],
        "createdBy": str(customer["id"]),
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
    # Rated once: every later push of the request keeps its rating (Tiledesk replaces the
    # request object whole on UPDATE).
    rating = conv.get("rating")
    return with_rating(item, rating) if rating else item


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


def message_sender(msg: dict, customer_id: int, business_public_id: str) -> str:
    """Tiledesk's ``sender``: the visitor's lead id, the agent's user id, ``bot_<project>`` for
    the AI, ``system`` for notices."""
    if msg["sender_type"] == "customer":
        return lead_id(customer_id)
    if msg["is_ai"]:
        return bot_id(business_public_id)
    if msg["sender_type"] == "agent" and msg.get("sender_user_id"):
        return str(msg["sender_user_id"])
    return SYSTEM_SENDER


def message_item(msg: dict, business_public_id: str, customer_id: int) -> dict:
    pk = str(msg["id"])
    kind, metadata, files = _tiledesk_file(msg)
    request_id = str(msg["conversation_id"])
    attributes: dict = {}
    if msg["sender_type"] == "system" and not msg["is_ai"]:
        attributes["subtype"] = "info"  # the dashboard renders these as notices, not bubbles
    return {
        "_id": pk,
        "id": pk,
        "request_id": request_id,
        "recipient": request_id,
        "id_project": business_public_id,
        "sender": message_sender(msg, customer_id, business_public_id),
        "senderFullname": msg["sender_name"],
        "sender_type": msg["sender_type"],
        "kind": msg["kind"],
        "is_ai": msg["is_ai"],
        "type": kind,
        "text": msg.get("text", msg["content"]) if files else msg["content"],
        "metadata": metadata,
        "attributes": attributes,
        "attachments": files,
        "channel_type": "group",
        "status": message_status(msg),
        "client_id": msg["client_id"],
        "createdAt": msg["created_at"],
        "delivered_at": msg["delivered_at"],
        "read_at": msg["read_at"],
    }


def note_item(note: dict, business_public_id: str) -> dict:
    """A private note from its snapshot (``teamtools.snapshots``), in the shape of a Tiledesk
    request's ``notes`` entry (``text``, ``createdBy`` user id, ``createdAt``) plus PingBack's
    ``sender``/``senderFullname`` and ``mentions`` (people by user id, as everywhere here)."""
    pk = str(note["id"])
    author = note["author"]
    by = str(author["user_id"]) if author else ""
    return {
        "_id": pk,
        "id": pk,
        "request_id": str(note["conversation_id"]),
        "id_project": business_public_id,
        "sender": by,
        "senderFullname": author["name"] if author else "",
        "createdBy": by,
        "text": note["content"],
        "mentions": [str(a["user_id"]) for a in note["mentions"]],
        "createdAt": note["created_at"],
    }


def project_user_item(agent: dict, business_public_id: str, changed_at: str | None) -> dict:
    pk = str(agent["id"])
    online = agent["status"] == Agent.Status.ONLINE
    return {
        "_id": pk,
        "id": pk,
        "id_project": business_public_id,
        "id_user": user_object(agent),
        "fullname": agent["name"],
        "email": agent["email"],
        "role": agent["role"],
        "status": agent["status"],
        "user_available": online,
        "isBusy": False,
        "presence": {"status": "online" if online else "offline", "changedAt": changed_at},
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
            .select_related("customer", "assignee__user", "business", "rating")
            .prefetch_related("label_links__label")
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
            items = [message_item(message_snapshot(m), b, conv.customer_id) for m in latest]
    else:
        try:
            if topic.kind == "project_user":
                member = access.access_agent(business, topic.object_id)
            else:
                member = access.access_agent_by_user(business, topic.object_id)
        except errors.NotFound:
            raise not_found() from None
        items = [project_user_item(agent_snapshot(member), b, iso(member.status_changed_at))]
    return Subscription(topic, business.pk, agent.pk, agent.is_manager, items)


def publish_frame(topic: str, method: str, message: list | dict) -> dict:
    """``message`` is an array in a subscribe snapshot, one object in a live push."""
    return {"action": "publish", "payload": {"topic": topic, "method": method, "message": message}}


def error_frame(code: str, message: str, topic=None) -> dict:
    return {"action": "error", "payload": {"code": code, "message": message, "topic": topic}}
