"""The Socket.IO surface (widget and agent sockets): each event type as emits to rooms.

One row per event type: a renderer returning ``Emit``s, or ``NOT_ON_THIS_SURFACE``. Payloads
follow the seed "pingback-realtime-socketio" (its fields first, with the seed's types; extra
fields help clients). ``FRAMES`` declares each Socket.IO event's payload for the contract test.
Rooms come from the event's audience (``realtime.rooms``), never from the renderer's guess.
"""

from __future__ import annotations

from typing import NamedTuple, TypedDict

from conversations.events import NOT_ON_THIS_SURFACE, DomainEvent, EventType, Projection
from conversations.snapshots import AttachmentSnapshot
from realtime import payloads, rooms

MEMBERSHIP_CHANGED = "pingback:membership_changed"  # a control message (realtime.control)


class Emit(NamedTuple):
    name: str
    payload: dict
    rooms: list[str]


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _conversation_and_business(event: DomainEvent) -> list[str]:
    return _unique(
        rooms.conversation_targets(event.audience)
        + rooms.business_targets(event.audience, event.business_public_id)
    )


def _message_created(event: DomainEvent) -> list[Emit]:
    targets = rooms.conversation_targets(event.audience)
    return [Emit("new_message", payloads.new_message(event.data["message"]), targets)]


def _receipts(name: str, render):
    def emits(event: DomainEvent) -> list[Emit]:
        d = event.data
        targets = rooms.conversation_targets(event.audience)
        return [
            Emit(name, render(r, d["conversation_id"], d["reader"]), targets) for r in d["receipts"]
        ]

    return emits


def _delivery_failed(event: DomainEvent) -> list[Emit]:
    # Staff only (the audience opens no widget): the inbox marks the reply as not delivered.
    d = event.data
    payload = {
        "conversation_id": d["conversation_id"],
        "message_id": d["message_id"],
        "channel": d["channel"],
        "reason": d["reason"],
    }
    return [Emit("delivery_failed", payload, rooms.conversation_targets(event.audience))]


def _channel_sent(event: DomainEvent) -> list[Emit]:
    # Staff only (the audience opens no widget): the inbox marks the reply "sent by email" etc.
    d = event.data
    payload = {
        "conversation_id": d["conversation_id"],
        "message_id": d["message_id"],
        "channel": d["channel"],
    }
    return [Emit("channel_sent", payload, rooms.conversation_targets(event.audience))]


def _assigned(event: DomainEvent) -> list[Emit]:
    payload = payloads.conversation_assigned(event.data)
    return [Emit("conversation_assigned", payload, _conversation_and_business(event))]


def _status_changed(event: DomainEvent) -> list[Emit]:
    d = event.data
    payload = {
        "conversation_id": d["conversation"]["id"],
        "status": d["status"],
        "previous_status": d["previous_status"],
        "csat_requested": d["csat_requested"],
    }
    return [Emit("conversation_status_changed", payload, _conversation_and_business(event))]


def _rated(event: DomainEvent) -> list[Emit]:
    d = event.data
    payload = {
        "conversation_id": d["conversation"]["id"],
        "score": d["rating"]["score"],
        "comment": d["rating"]["comment"],
    }
    return [Emit("conversation_rated", payload, _conversation_and_business(event))]


def _conversation_created(event: DomainEvent) -> list[Emit]:
    conv = event.data["conversation"]
    payload = {
        "conversation_id": conv["id"],
        "customer": {"id": conv["customer"]["id"], "name": conv["customer"]["name"]},
        "status": conv["status"],
        "created_at": conv["created_at"],
    }
    targets = rooms.business_targets(event.audience, event.business_public_id)
    out = [Emit("new_conversation", payload, targets)]
    audience = event.audience
    if event.data["actor"]["type"] != "customer" and audience.allows_customer(
        audience.customer_id, audience.business_id
    ):
        # Started by the team: the customer's open widgets switch to it (and join it).
        started = {"conversation_id": conv["id"], "created_at": conv["created_at"]}
        out.append(Emit("conversation_started", started, [rooms.customer(conv["customer"]["id"])]))
    return out


def _labels_changed(event: DomainEvent) -> list[Emit]:
    d = event.data
    payload = {"conversation_id": d["conversation"]["id"], "labels": d["labels"]}
    return [Emit("conversation_labels_changed", payload, _conversation_and_business(event))]


def _snoozed(event: DomainEvent) -> list[Emit]:
    d = event.data
    payload = {"conversation_id": d["conversation"]["id"], "until": d["until"]}
    return [Emit("conversation_snoozed", payload, _conversation_and_business(event))]


def _note_created(event: DomainEvent) -> list[Emit]:
    """The note to the staff in the conversation; a notice to each mentioned colleague's own
    sockets (wherever they are in the inbox). The audience is staff only: no widget room."""
    note = event.data["note"]
    out = [Emit("note_created", payloads.note(note), rooms.conversation_targets(event.audience))]
    for agent in note["mentions"]:
        manager = agent["role"] in ("owner", "admin")
        if event.audience.allows_agent(agent["id"], event.business_id, manager):
            notice = {
                "conversation_id": note["conversation_id"],
                "note_id": note["id"],
                "author_name": note["author"]["name"] if note["author"] else "",
                "customer_name": event.data["conversation"]["customer"]["name"],
                "text": note["content"][:200],
            }
            out.append(Emit("mentioned", notice, [rooms.agent(agent["id"])]))
    return out


def _agent_status(event: DomainEvent) -> list[Emit]:
    """Agents see who changed status; anonymous widgets only which agent id and the status,
    as ``/widget/availability/`` shows them (docs/security.md): no names to strangers."""
    targets = rooms.business_targets(event.audience, event.business_public_id)
    agent = event.data["agent"]
    widget_rooms = [room for room in targets if room == rooms.widgets(event.business_public_id)]
    staff_rooms = [room for room in targets if room not in widget_rooms]
    emits = [Emit("agent_status_changed", payloads.agent_status_changed(agent), staff_rooms)]
    if widget_rooms:
        public = payloads.agent_status_public(agent)
        emits.append(Emit("agent_status_changed", public, widget_rooms))
    return emits


def _membership_changed(event: DomainEvent) -> list[Emit]:
    # Every process re-checks this agent's sockets (realtime.control, realtime.widget).
    d = event.data
    payload = {"agent_id": d["agent_id"], "role": d["role"]}
    return [Emit(MEMBERSHIP_CHANGED, payload, [rooms.agent(d["agent_id"])])]


def _typing(event: DomainEvent) -> list[Emit]:
    return [Emit("typing", payloads.typing(event.data), rooms.conversation_targets(event.audience))]


def _viewing(event: DomainEvent) -> list[Emit]:
    d = event.data
    payload = {
        "conversation_id": d["conversation_id"],
        "agent_id": d["agent_id"],
        "name": d["name"],
        "is_viewing": d["is_viewing"],
    }
    return [Emit("viewing", payload, rooms.conversation_targets(event.audience))]


def _customer_erased(event: DomainEvent) -> list[Emit]:
    """Staff sockets only: open inbox pages of the erased customer's conversations reload."""
    targets = rooms.business_targets(event.audience, event.business_public_id)
    staff_rooms = [room for room in targets if room != rooms.widgets(event.business_public_id)]
    d = event.data
    payload = {
        "customer_id": d["customer"]["id"],
        "conversation_ids": [conv["id"] for conv in d["conversations"]],
    }
    return [Emit("customer_erased", payload, staff_rooms)]


def _widget_settings_changed(event: DomainEvent) -> list[Emit]:
    """Open widgets of the business fetch /widget/settings/ again (nothing secret is sent)."""
    targets = rooms.business_targets(event.audience, event.business_public_id)
    widget_rooms = [room for room in targets if room == rooms.widgets(event.business_public_id)]
    payload = {"changed": list(event.data["changed"])}
    return [Emit("widget_settings_changed", payload, widget_rooms)] if widget_rooms else []


SOCKETIO = Projection(
    "socket.io",
    {
        EventType.CONVERSATION_CREATED: _conversation_created,
        EventType.CONVERSATION_STATUS_CHANGED: _status_changed,
        EventType.CONVERSATION_ASSIGNED: _assigned,
        # Handoff and AI flags are staff-side state: the inbox learns them from the topics API.
        EventType.CONVERSATION_HANDOFF_REQUESTED: NOT_ON_THIS_SURFACE,
        EventType.CONVERSATION_HANDOFF_CLEARED: NOT_ON_THIS_SURFACE,
        EventType.CONVERSATION_AI_TOGGLED: NOT_ON_THIS_SURFACE,
        EventType.CONVERSATION_RATED: _rated,
        EventType.CONVERSATION_LABELS_CHANGED: _labels_changed,  # staff rooms only
        EventType.CONVERSATION_SNOOZED: _snoozed,
        EventType.NOTE_CREATED: _note_created,  # staff rooms only
        EventType.MESSAGE_CREATED: _message_created,
        EventType.MESSAGES_DELIVERED: _receipts("delivered", payloads.delivered),
        EventType.MESSAGES_READ: _receipts("read", payloads.read),
        EventType.MESSAGE_DELIVERY_FAILED: _delivery_failed,
        EventType.MESSAGE_CHANNEL_SENT: _channel_sent,
        EventType.CUSTOMER_IDENTIFIED: NOT_ON_THIS_SURFACE,
        EventType.CUSTOMER_MERGED: NOT_ON_THIS_SURFACE,  # pages re-read the customer
        # Staff sockets only (open inbox pages reload); the customer's widget is not told.
        EventType.CUSTOMER_ERASED: _customer_erased,
        EventType.AGENT_STATUS_CHANGED: _agent_status,
        EventType.AGENT_MEMBERSHIP_CHANGED: _membership_changed,
        EventType.API_KEY_REVOKED: NOT_ON_THIS_SURFACE,  # API keys never open sockets
        EventType.WIDGET_SETTINGS_CHANGED: _widget_settings_changed,  # widgets only
        EventType.TYPING: _typing,
        EventType.ASSISTANT_TYPING: _typing,
        EventType.VIEWING: _viewing,  # staff only: the audience opens no widget
    },
)


# --- frame schemas (validated by tests/test_event_contract.py) ---------------------------------


class NewMessage(TypedDict):
    id: int
    content: str
    sender_type: str
    conversation_id: int
    created_at: str
    client_id: str | None
    sender_agent_id: int | None
    sender_name: str
    is_ai: bool
    content_type: str
    text: str
    attachments: list[AttachmentSnapshot]


class LabelRef(TypedDict):
    id: int
    name: str
    color: str


class ConversationLabelsChanged(TypedDict):
    conversation_id: int
    labels: list[LabelRef]


class ConversationSnoozed(TypedDict):
    conversation_id: int
    until: str


class NoteCreated(TypedDict):
    id: int
    conversation_id: int
    content: str
    author_id: int | None
    author_name: str
    mention_ids: list[int]
    created_at: str


class Mentioned(TypedDict):
    conversation_id: int
    note_id: int
    author_name: str
    customer_name: str
    text: str


class Delivered(TypedDict):
    message_id: int
    delivered_at: str
    conversation_id: int
    reader: str


class Read(TypedDict):
    message_id: int
    read_at: str
    conversation_id: int
    reader: str


class DeliveryFailed(TypedDict):
    conversation_id: int
    message_id: int
    channel: str
    reason: str


class ChannelSent(TypedDict):
    conversation_id: int
    message_id: int
    channel: str


class ConversationAssigned(TypedDict):
    conversation_id: int
    assigned_by: int | None
    assigned_by_type: str
    assignee_id: int | None
    assignee_name: str | None


class ConversationStatusChanged(TypedDict):
    conversation_id: int
    status: str
    previous_status: str
    csat_requested: bool


class ConversationRated(TypedDict):
    conversation_id: int
    score: int
    comment: str


class CustomerRef(TypedDict):
    id: int
    name: str


class ConversationStarted(TypedDict):
    conversation_id: int
    created_at: str


class NewConversation(TypedDict):
    conversation_id: int
    customer: CustomerRef
    status: str
    created_at: str


class AgentStatusPublic(TypedDict):
    agent_id: int
    status: str


class AgentStatusChanged(AgentStatusPublic, total=False):
    name: str  # agents' sockets only; widgets never get agent names


class MembershipChangedControl(TypedDict):
    agent_id: int
    role: str | None


class Typing(TypedDict):
    conversation_id: int
    user_id: int | str
    is_typing: bool
    sender_type: str
    is_ai: bool


class Viewing(TypedDict):
    conversation_id: int
    agent_id: int
    name: str
    is_viewing: bool


class WidgetSettingsChangedFrame(TypedDict):
    changed: list[str]


class CustomerErasedFrame(TypedDict):
    customer_id: int
    conversation_ids: list[int]


FRAMES: dict[str, type] = {
    "widget_settings_changed": WidgetSettingsChangedFrame,
    "customer_erased": CustomerErasedFrame,
    "new_message": NewMessage,
    "conversation_labels_changed": ConversationLabelsChanged,
    "conversation_snoozed": ConversationSnoozed,
    "note_created": NoteCreated,
    "mentioned": Mentioned,
    "delivered": Delivered,
    "read": Read,
    "delivery_failed": DeliveryFailed,
    "channel_sent": ChannelSent,
    "conversation_assigned": ConversationAssigned,
    "conversation_status_changed": ConversationStatusChanged,
    "conversation_rated": ConversationRated,
    "new_conversation": NewConversation,
    "conversation_started": ConversationStarted,
    "agent_status_changed": AgentStatusChanged,
    MEMBERSHIP_CHANGED: MembershipChangedControl,
    "typing": Typing,
    "viewing": Viewing,
}
