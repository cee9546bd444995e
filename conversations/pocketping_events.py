"""The PocketPing projection: each event type as the integration event the ``/ws`` stream and
webhooks both send, so an event means the same on both.

A row renders an event to ``(name, data)`` pairs (at most one), or is
``NOT_ON_THIS_SURFACE``. ``/ws`` frames are ``{"type": name, **data, "eventId", "timestamp"}``;
webhook bodies are ``{"id", "event": name, "timestamp", "businessId", "data"}``. Objects are
rendered by ``conversations.pocketping``, as in the REST ``sessions`` resource.

``session.closed`` is decided once: a status change *to* ``closed`` is sent as
``session.closed`` (with the same data as ``session.status_changed``); every other status
change is ``session.status_changed``.
"""

from __future__ import annotations

from typing import TypedDict

from conversations import pocketping
from conversations.events import NOT_ON_THIS_SURFACE, DomainEvent, EventType, Projection
from conversations.snapshots import iso

SESSION_CREATED = "session.created"
SESSION_STATUS_CHANGED = "session.status_changed"
SESSION_CLOSED = "session.closed"
SESSION_ASSIGNED = "session.assigned"
SESSION_HANDOFF_REQUESTED = "session.handoff_requested"
SESSION_HANDOFF_CLEARED = "session.handoff_cleared"
SESSION_AI_TOGGLED = "session.ai_toggled"
SESSION_RATED = "session.rated"
SESSION_LABELS_CHANGED = "session.labels_changed"
SESSION_SNOOZED = "session.snoozed"
MESSAGE_CREATED = "message.created"
MESSAGE_DELIVERED = "message.delivered"
MESSAGE_READ = "message.read"
MESSAGE_DELIVERY_FAILED = "message.delivery_failed"
CUSTOMER_IDENTIFIED = "customer.identified"
CUSTOMER_MERGED = "customer.merged"
CUSTOMER_ERASED = "customer.erased"
AGENT_STATUS_CHANGED = "agent.status_changed"

# Every event name integrations can receive (webhooks subscribe to these).
NAMES = (
    SESSION_CREATED,
    MESSAGE_CREATED,
    SESSION_CLOSED,
    SESSION_STATUS_CHANGED,
    SESSION_ASSIGNED,
    SESSION_HANDOFF_REQUESTED,
    SESSION_HANDOFF_CLEARED,
    SESSION_AI_TOGGLED,
    SESSION_RATED,
    SESSION_LABELS_CHANGED,
    SESSION_SNOOZED,
    CUSTOMER_IDENTIFIED,
    CUSTOMER_MERGED,
    CUSTOMER_ERASED,
    MESSAGE_DELIVERED,
    MESSAGE_READ,
    MESSAGE_DELIVERY_FAILED,
    AGENT_STATUS_CHANGED,
)


def _session(event: DomainEvent) -> dict:
    conv = event.data["conversation"]
    return {"sessionId": str(conv["id"]), "session": pocketping.session(conv)}


def _created(event: DomainEvent):
    return [(SESSION_CREATED, _session(event))]


def _status(event: DomainEvent):
    d = event.data
    name = SESSION_CLOSED if d["status"] == "closed" else SESSION_STATUS_CHANGED
    data = {
        **_session(event),
        "conversationStatus": d["status"],
        "previousConversationStatus": d["previous_status"],
    }
    return [(name, data)]


def _assigned(event: DomainEvent):
    d = event.data
    data = {
        **_session(event),
        "assignee": pocketping.agent(d["assignee"]),
        "previousAssignee": pocketping.agent(d["previous_assignee"]),
    }
    return [(SESSION_ASSIGNED, data)]


def _handoff_requested(event: DomainEvent):
    return [(SESSION_HANDOFF_REQUESTED, {**_session(event), "reason": event.data["reason"]})]


def _handoff_cleared(event: DomainEvent):
    return [(SESSION_HANDOFF_CLEARED, _session(event))]


def _ai_toggled(event: DomainEvent):
    return [(SESSION_AI_TOGGLED, {**_session(event), "enabled": event.data["enabled"]})]


def _rated(event: DomainEvent):
    r = event.data["rating"]
    rating = {"score": r["score"], "comment": r["comment"], "createdAt": r["created_at"]}
    return [(SESSION_RATED, {**_session(event), "rating": rating})]


def _snoozed(event: DomainEvent):
    return [(SESSION_SNOOZED, {**_session(event), "until": event.data["until"]})]


def _labels(event: DomainEvent):
    d = event.data
    data = {
        **_session(event),
        "labels": d["labels"],
        "added": d["added"],
        "removed": d["removed"],
    }
    return [(SESSION_LABELS_CHANGED, data)]


def _message(event: DomainEvent):
    msg = event.data["message"]
    data = {"sessionId": str(msg["conversation_id"]), "message": pocketping.message(msg)}
    return [(MESSAGE_CREATED, data)]


def _receipts(name: str):
    return lambda event: [(name, pocketping.receipts(event.data))]


def _delivery_failed(event: DomainEvent):
    d = event.data
    data = {
        "sessionId": str(d["conversation_id"]),
        "messageId": str(d["message_id"]),
        "channel": d["channel"],
        "reason": d["reason"],
    }
    return [(MESSAGE_DELIVERY_FAILED, data)]


def _identified(event: DomainEvent):
    return [(CUSTOMER_IDENTIFIED, {"visitor": pocketping.visitor(event.data["customer"])})]


def _erased(event: DomainEvent):
    d = event.data
    data = {
        "visitorId": str(d["customer"]["id"]),
        "sessionIds": [str(conv["id"]) for conv in d["conversations"]],
    }
    return [(CUSTOMER_ERASED, data)]


def _merged(event: DomainEvent):
    d = event.data
    data = {
        "visitor": pocketping.visitor(d["customer"]),
        "mergedVisitorId": str(d["merged_customer_id"]),
        "sessionIds": [str(i) for i in d["conversation_ids"]],
    }
    return [(CUSTOMER_MERGED, data)]


def _agent_status(event: DomainEvent):
    d = event.data
    data = {"agent": pocketping.agent(d["agent"]), "previousStatus": d["previous_status"]}
    return [(AGENT_STATUS_CHANGED, data)]


POCKETPING = Projection(
    "pocketping",
    {
        EventType.CONVERSATION_CREATED: _created,
        EventType.CONVERSATION_STATUS_CHANGED: _status,
        EventType.CONVERSATION_ASSIGNED: _assigned,
        EventType.CONVERSATION_HANDOFF_REQUESTED: _handoff_requested,
        EventType.CONVERSATION_HANDOFF_CLEARED: _handoff_cleared,
        EventType.CONVERSATION_AI_TOGGLED: _ai_toggled,
        EventType.CONVERSATION_RATED: _rated,
        EventType.CONVERSATION_LABELS_CHANGED: _labels,
        EventType.CONVERSATION_SNOOZED: _snoozed,
        # Private notes are staff-only: never on /ws nor in a webhook (teamtools.actions.notes).
        EventType.NOTE_CREATED: NOT_ON_THIS_SURFACE,
        EventType.MESSAGE_CREATED: _message,
        EventType.MESSAGES_DELIVERED: _receipts(MESSAGE_DELIVERED),
        EventType.MESSAGES_READ: _receipts(MESSAGE_READ),
        EventType.MESSAGE_DELIVERY_FAILED: _delivery_failed,
        # Inbox display only; integrations read a send's status from /api/v1/channels/…/outbound.
        EventType.MESSAGE_CHANNEL_SENT: NOT_ON_THIS_SURFACE,
        EventType.CUSTOMER_IDENTIFIED: _identified,
        EventType.CUSTOMER_MERGED: _merged,
        EventType.CUSTOMER_ERASED: _erased,
        EventType.AGENT_STATUS_CHANGED: _agent_status,
        # Internal: connections re-check access (topics, sockets); integrations see nothing.
        EventType.AGENT_MEMBERSHIP_CHANGED: NOT_ON_THIS_SURFACE,
        EventType.API_KEY_REVOKED: NOT_ON_THIS_SURFACE,  # the /ws stream closes instead
        EventType.WIDGET_SETTINGS_CHANGED: NOT_ON_THIS_SURFACE,  # GET the settings instead
        EventType.TYPING: NOT_ON_THIS_SURFACE,  # ephemeral: never replayed or webhooked
        EventType.ASSISTANT_TYPING: NOT_ON_THIS_SURFACE,
        EventType.VIEWING: NOT_ON_THIS_SURFACE,  # ephemeral and inbox-only
    },
)


def render(event: DomainEvent) -> tuple[str, dict] | None:
    """The one ``(name, data)`` an event becomes for integrations, or None."""
    out = POCKETPING.render(event)
    return out[0] if out else None


def envelope(event: DomainEvent, name: str, data: dict) -> dict:
    """The webhook body of an event (also the items of ``GET /api/v1/events``)."""
    return {
        "id": f"evt_{event.id}",
        "event": name,
        "timestamp": iso(event.occurred_at),
        "businessId": event.business_public_id,
        "data": data,
    }


# --- frame schemas (validated by tests/test_event_contract.py) ---------------------------------


class Session(TypedDict):
    id: str
    visitorId: str
    projectId: str
    status: str
    createdAt: str
    lastActivity: str
    metadata: dict
    channel: str
    conversationStatus: str
    aiEnabled: bool
    needsHumanHandoff: bool
    assigneeId: int | None


class Attachment(TypedDict):
    id: str
    name: str
    size: int
    contentType: str
    url: str
    thumbnailUrl: str | None
    width: int | None
    height: int | None


class Message(TypedDict):
    id: str
    sessionId: str
    content: str
    text: str
    attachments: list[Attachment]
    type: str
    createdAt: str
    deliveredAt: str | None
    readAt: str | None


class Agent(TypedDict):
    id: str
    name: str
    status: str


class Visitor(TypedDict):
    id: str
    name: str
    email: str
    customerId: str | None
    metadata: dict
    identifiedAt: str | None


class SessionEvent(TypedDict):
    sessionId: str
    session: Session


class StatusEvent(SessionEvent):
    conversationStatus: str
    previousConversationStatus: str


class AssignedEvent(SessionEvent):
    assignee: Agent | None
    previousAssignee: Agent | None


class HandoffEvent(SessionEvent):
    reason: str


class AiToggledEvent(SessionEvent):
    enabled: bool


class Rating(TypedDict):
    score: int
    comment: str
    createdAt: str


class RatedEvent(SessionEvent):
    rating: Rating


class Label(TypedDict):
    id: int
    name: str
    color: str


class SnoozedEvent(SessionEvent):
    until: str


class LabelsEvent(SessionEvent):
    labels: list[Label]
    added: list[Label]
    removed: list[Label]


class MessageEvent(TypedDict):
    sessionId: str
    message: Message


class ReceiptsEvent(TypedDict):
    sessionId: str
    reader: str
    messageIds: list[str]
    at: str | None


class DeliveryFailedEvent(TypedDict):
    sessionId: str
    messageId: str
    channel: str
    reason: str


class VisitorEvent(TypedDict):
    visitor: Visitor


class ErasedEvent(TypedDict):
    visitorId: str
    sessionIds: list[str]


class MergedEvent(TypedDict):
    visitor: Visitor
    mergedVisitorId: str
    sessionIds: list[str]


class AgentStatusEvent(TypedDict):
    agent: Agent
    previousStatus: str


FRAMES: dict[str, type] = {
    SESSION_CREATED: SessionEvent,
    SESSION_STATUS_CHANGED: StatusEvent,
    SESSION_CLOSED: StatusEvent,
    SESSION_ASSIGNED: AssignedEvent,
    SESSION_HANDOFF_REQUESTED: HandoffEvent,
    SESSION_HANDOFF_CLEARED: SessionEvent,
    SESSION_AI_TOGGLED: AiToggledEvent,
    SESSION_RATED: RatedEvent,
    SESSION_LABELS_CHANGED: LabelsEvent,
    SESSION_SNOOZED: SnoozedEvent,
    MESSAGE_CREATED: MessageEvent,
    MESSAGE_DELIVERED: ReceiptsEvent,
    MESSAGE_READ: ReceiptsEvent,
    MESSAGE_DELIVERY_FAILED: DeliveryFailedEvent,
    CUSTOMER_IDENTIFIED: VisitorEvent,
    CUSTOMER_MERGED: MergedEvent,
    CUSTOMER_ERASED: ErasedEvent,
    AGENT_STATUS_CHANGED: AgentStatusEvent,
}
