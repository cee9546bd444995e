"""JSON-safe snapshots of domain objects carried by events.

Each surface (Socket.IO, topics, /ws, webhooks, REST) renders its own shape from these;
they are the one canonical description of an object at the moment of an event.
"""

from datetime import datetime
from typing import TypedDict

from django.core.exceptions import ObjectDoesNotExist

from attachments.links import VIEW, url


class AgentSnapshot(TypedDict):
    id: int
    user_id: int
    name: str
    email: str
    role: str
    status: str


class CustomerSnapshot(TypedDict):
    id: int
    name: str
    email: str
    external_id: str
    metadata: dict
    identified_at: str | None
    created_at: str | None


class RatingSnapshot(TypedDict):
    score: int
    comment: str
    created_at: str


def rating_snapshot(rating) -> RatingSnapshot:
    return {"score": rating.score, "comment": rating.comment, "created_at": iso(rating.created_at)}


class LabelSnapshot(TypedDict):
    id: int
    name: str
    color: str


class ConversationSnapshot(TypedDict):
    id: int
    business_id: str
    customer: CustomerSnapshot
    channel_type: str
    status: str
    assignee: AgentSnapshot | None
    needs_human_handoff: bool
    handoff_reason: str
    ai_enabled: bool
    metadata: dict
    first_message_text: str
    last_message_text: str
    message_count: int
    created_at: str | None
    updated_at: str | None
    last_activity_at: str | None
    assigned_at: str | None
    resolved_at: str | None
    closed_at: str | None
    first_response_at: str | None
    first_response_seconds: float | None
    snoozed_until: str | None
    rating: RatingSnapshot | None  # the customer's CSAT rating, once rated
    labels: list[LabelSnapshot]  # by name


class AttachmentSnapshot(TypedDict):
    id: int
    name: str
    size: int
    content_type: str
    url: str
    thumbnail_url: str | None
    width: int | None
    height: int | None


class MessageSnapshot(TypedDict):
    id: int
    conversation_id: int
    sender_type: str
    sender_agent_id: int | None
    sender_user_id: int | None
    sender_name: str
    is_ai: bool
    kind: str
    content_type: str
    content: str
    text: str
    attachments: list[AttachmentSnapshot]
    client_id: str | None
    created_at: str | None
    delivered_at: str | None
    read_at: str | None


class ActorSnapshot(TypedDict):
    type: str
    id: int | None
    name: str


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def agent_snapshot(agent) -> AgentSnapshot | None:
    if agent is None:
        return None
    return {
        "id": agent.pk,
        "user_id": agent.user_id,
        "name": agent.display_name,
        "email": agent.user.email,
        "role": agent.role,
        "status": agent.status,
    }


def customer_snapshot(customer) -> CustomerSnapshot:
    return {
        "id": customer.pk,
        "name": customer.name,
        "email": customer.email,
        "external_id": customer.external_id,
        "metadata": customer.metadata,
        "identified_at": iso(customer.identified_at),
        "created_at": iso(customer.created_at),
    }


def label_snapshot(label) -> LabelSnapshot:
    return {"id": label.pk, "name": label.name, "color": label.color}


def label_order(label) -> tuple[str, int]:
    return label.name.lower(), label.pk


def conversation_snapshot(conv, labels=None) -> ConversationSnapshot:
    """``labels``: the conversation's Label rows when the caller has them (else read from
    ``label_links``: prefetched, or one query when ``has_labels``)."""
    return {
        "id": conv.pk,
        "business_id": conv.business.public_id,
        "customer": customer_snapshot(conv.customer),
        "channel_type": conv.channel_type,
        "status": conv.status,
        "assignee": agent_snapshot(conv.assignee),
        "needs_human_handoff": conv.needs_human_handoff,
        "handoff_reason": conv.handoff_reason,
        "ai_enabled": conv.ai_enabled,
        "metadata": conv.metadata,
        "first_message_text": conv.first_message_text,
        "last_message_text": conv.last_message_text,
        "message_count": conv.message_count,
        "created_at": iso(conv.created_at),
        "updated_at": iso(conv.updated_at),
        "last_activity_at": iso(conv.last_activity_at),
        "assigned_at": iso(conv.assigned_at),
        "resolved_at": iso(conv.resolved_at),
        "closed_at": iso(conv.closed_at),
        "first_response_at": iso(conv.first_response_at),
        "first_response_seconds": conv.first_response_seconds,
        "snoozed_until": iso(conv.snoozed_until),
        "rating": _rating(conv),
        "labels": [label_snapshot(lb) for lb in sorted(_labels(conv, labels), key=label_order)],
    }


def _labels(conv, labels) -> list:
    if labels is not None:
        return list(labels)
    prefetched = getattr(conv, "_prefetched_objects_cache", {}).get("label_links")
    if prefetched is not None:
        return [link.label for link in prefetched]
    if not conv.has_labels:
        return []
    return [link.label for link in conv.label_links.select_related("label")]


def _rating(conv) -> RatingSnapshot | None:
    try:
        return rating_snapshot(conv.rating)  # csat's one-to-one; cached on the instance
    except ObjectDoesNotExist:
        return None


def attachment_snapshots(msg, attachments=None) -> list[AttachmentSnapshot]:
    """The files of an attachment message, with URLs signed for the widget and inbox (``view``
    scope; surfaces without a PingBack session re-sign them, ``attachments.links.relink``).
    Text messages have none (and cost no query)."""
    if msg.content_type != "attachment":
        return []

    if attachments is None:
        # Loaded with the message by the action (so async callers render it without a query).
        attachments = getattr(msg, "attachment_rows", None)
    rows = attachments if attachments is not None else list(msg.attachments.all())
    return [
        {
            "id": a.pk,
            "name": a.original_name,
            "size": a.size,
            "content_type": a.content_type,
            "url": url(a.pk, a.original_name, VIEW),
            "thumbnail_url": url(a.pk, a.original_name, VIEW, thumbnail=True)
            if a.thumbnail
            else None,
            "width": a.width,
            "height": a.height,
        }
        for a in rows
    ]


def message_snapshot(msg, sender_name: str | None = None, attachments=None) -> MessageSnapshot:
    """``sender_name`` is the author's display name (looked up from the message when not given:
    pass it, or select ``sender_agent__user`` and the conversation's customer, to save queries).
    An attachment message's ``content`` is its first file's URL (the widget protocol's rule)
    and ``text`` its caption; a text message's ``text`` is its content."""
    files = attachment_snapshots(msg, attachments)
    return {
        "id": msg.pk,
        "conversation_id": msg.conversation_id,
        "sender_type": msg.sender_type,
        "sender_agent_id": msg.sender_agent_id,
        # The agent's user (the topics API names people by user id, as Tiledesk does).
        "sender_user_id": msg.sender_agent.user_id if msg.sender_agent_id else None,
        "sender_name": sender_name if sender_name is not None else sender_display_name(msg),
        "is_ai": msg.is_ai,
        "kind": msg.kind,
        "content_type": msg.content_type,
        "content": files[0]["url"] if files else msg.content,
        "text": msg.content,
        "attachments": files,
        "client_id": msg.client_id,
        "created_at": iso(msg.created_at),
        "delivered_at": iso(msg.delivered_at),
        "read_at": iso(msg.read_at),
    }


def sender_display_name(msg) -> str:
    """Who wrote a message, for people: the agent's or customer's name, or the assistant."""
    kind = msg.kind
    if kind == "visitor":
        return msg.conversation.customer.name
    if kind == "ai":
        return "PingBack AI"
    if kind == "system":
        return "PingBack"
    if msg.sender_agent_id:
        return msg.sender_agent.display_name
    # An operator message an API key sent as itself shows the key's name.
    return msg.sender_api_key.name if msg.sender_api_key_id else ""
