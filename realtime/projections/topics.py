"""The topics API surface (``/api/``): each event type as publishes on topics.

A row renders an event to ``Publish``es (a topic, ``CREATE``/``UPDATE`` and its items) or to a
``Control`` message for the connections themselves, or is ``NOT_ON_THIS_SURFACE``. Items are
rendered by ``realtime.topics`` from the event's snapshots, exactly like subscribe snapshots.
"""

from __future__ import annotations

from typing import Literal, NamedTuple, TypedDict

from conversations.events import NOT_ON_THIS_SURFACE, DomainEvent, EventType, Projection
from conversations.snapshots import AgentSnapshot, AttachmentSnapshot, CustomerSnapshot, iso
from realtime import topics


class Publish(NamedTuple):
    """One object on one topic. Live pushes carry it as an object, as Tiledesk's server does
    (subscribe snapshots are arrays)."""

    topic: topics.Topic
    method: str
    item: dict


class Control(NamedTuple):
    group: str
    message: dict


GROUP_MEMBERSHIP = "member.changed"


def user_group(user_id: int) -> str:
    """Every topics connection of one user: told when a membership of theirs changes."""
    return f"user.{user_id}"


def _request(b: str, conv, method: str, was_open: bool = False) -> list[Publish]:
    """A conversation's own topic, and ``/requests`` while it is (or just stopped being) open."""
    item = topics.request_item(conv)
    out = []
    # /requests lists open conversations; one leaving that state is pushed once more (its
    # status 1000 tells the dashboard to drop it).
    if conv["status"] in topics.OPEN_STATUSES or was_open:
        out.append(Publish(topics.requests_topic(b), method, item))
    out.append(Publish(topics.request_topic(b, conv["id"]), method, item))
    return out


def _conversation(event: DomainEvent, method: str = topics.UPDATE) -> list[Publish]:
    d = event.data
    was_open = (
        event.type == EventType.CONVERSATION_STATUS_CHANGED
        and d["previous_status"] in topics.OPEN_STATUSES
    )
    return _request(event.business_public_id, d["conversation"], method, was_open)


def _rated(event: DomainEvent) -> list[Publish]:
    rating = event.data["rating"]
    return [p._replace(item=topics.with_rating(p.item, rating)) for p in _conversation(event)]


def _created(event: DomainEvent) -> list[Publish]:
    return _conversation(event, topics.CREATE)


def _message(event: DomainEvent) -> list[Publish]:
    b, msg = event.business_public_id, event.data["message"]
    item = topics.message_item(msg, b, event.data["conversation"]["customer"]["id"])
    topic = topics.messages_topic(b, msg["conversation_id"])
    return [*_conversation(event), Publish(topic, topics.CREATE, item)]


def _note(event: DomainEvent) -> list[Publish]:
    b, note = event.business_public_id, event.data["note"]
    topic = topics.notes_topic(b, note["conversation_id"])
    return [Publish(topic, topics.CREATE, topics.note_item(note, b))]


def _receipts(event: DomainEvent) -> list[Publish]:
    """Every marked message, whole: Tiledesk's dashboard replaces a message with the object of
    an UPDATE (``ws-msgs.service.ts`` ``updateWsMsg``)."""
    b, d = event.business_public_id, event.data
    topic = topics.messages_topic(b, d["conversation_id"])
    return [
        Publish(topic, topics.UPDATE, topics.message_item(m, b, d["customer_id"]))
        for m in d["messages"]
    ]


def _erased(event: DomainEvent) -> list[Publish]:
    """Each of the customer's conversations once more, as erased (no lead, no texts)."""
    b = event.business_public_id
    return [p for conv in event.data["conversations"] for p in _request(b, conv, topics.UPDATE)]


def _agent_status(event: DomainEvent) -> list[Publish]:
    b, agent = event.business_public_id, event.data["agent"]
    item = topics.project_user_item(agent, b, iso(event.occurred_at))
    return [
        Publish(topics.project_user_topic(b, agent["id"]), topics.UPDATE, item),
        Publish(topics.project_user_by_user_topic(b, agent["user_id"]), topics.UPDATE, item),
    ]


def _membership(event: DomainEvent) -> list[Control]:
    group = user_group(event.data["user_id"])
    return [Control(group, {"type": GROUP_MEMBERSHIP, "business_id": event.business_id})]


TOPICS = Projection(
    "topics",
    {
        EventType.CONVERSATION_CREATED: _created,
        EventType.CONVERSATION_STATUS_CHANGED: _conversation,
        EventType.CONVERSATION_ASSIGNED: _conversation,
        EventType.CONVERSATION_HANDOFF_REQUESTED: _conversation,
        EventType.CONVERSATION_HANDOFF_CLEARED: _conversation,
        EventType.CONVERSATION_AI_TOGGLED: _conversation,
        EventType.CONVERSATION_RATED: _rated,
        # Labels are the request's ``tags``: a change pushes the whole request again.
        EventType.CONVERSATION_LABELS_CHANGED: _conversation,
        EventType.CONVERSATION_SNOOZED: _conversation,
        EventType.NOTE_CREATED: _note,
        EventType.MESSAGE_CREATED: _message,
        EventType.MESSAGES_DELIVERED: _receipts,
        EventType.MESSAGES_READ: _receipts,
        # Customers are shown inside requests (``lead``); an identification alone changes no topic.
        EventType.CUSTOMER_IDENTIFIED: NOT_ON_THIS_SURFACE,
        EventType.CUSTOMER_MERGED: NOT_ON_THIS_SURFACE,  # as identification: no topic changes
        EventType.CUSTOMER_ERASED: _erased,
        # The topics seed has no delivery-failure frame; the inbox hears it on its socket.
        EventType.MESSAGE_DELIVERY_FAILED: NOT_ON_THIS_SURFACE,
        EventType.MESSAGE_CHANNEL_SENT: NOT_ON_THIS_SURFACE,
        EventType.AGENT_STATUS_CHANGED: _agent_status,
        EventType.AGENT_MEMBERSHIP_CHANGED: _membership,
        EventType.API_KEY_REVOKED: NOT_ON_THIS_SURFACE,  # API keys use /ws, not the topics API
        EventType.WIDGET_SETTINGS_CHANGED: NOT_ON_THIS_SURFACE,  # for widgets (Socket.IO)
        EventType.TYPING: NOT_ON_THIS_SURFACE,  # the topics seed has no typing frames
        EventType.ASSISTANT_TYPING: NOT_ON_THIS_SURFACE,
        EventType.VIEWING: NOT_ON_THIS_SURFACE,  # an inbox-only signal
    },
)


# --- frame schemas (validated by tests/test_event_contract.py) ---------------------------------


class Lead(TypedDict):
    _id: str
    lead_id: str
    id_project: str
    fullname: str
    email: str
    attributes: dict
    createdAt: str | None


class Channel(TypedDict):
    name: str


class Department(TypedDict):
    _id: str
    name: str
    default: bool


class UserObject(TypedDict):
    _id: str
    firstname: str
    lastname: str
    email: str


class Tag(TypedDict):
    _id: str
    tag: str
    color: str


class RequestSnapshot(TypedDict):
    lead: Lead
    department: Department
    agents: list[UserObject]


class Rating(TypedDict, total=False):
    """A rated request (CSAT): on the rating's push and the request topic's snapshot."""

    rating: int
    rating_message: str


class RequestItem(Rating, total=True):
    _id: str
    id: str
    request_id: str
    id_project: str
    status: Literal[100, 200, 1000]
    pingback_status: str
    preflight: bool
    hasBot: bool
    participants: list[str]
    participantsAgents: list[str]
    participantsBots: list[str]
    assignee: AgentSnapshot | None
    requester: str
    lead: Lead
    customer: CustomerSnapshot
    department: Department
    snapshot: RequestSnapshot
    channel: Channel
    first_text: str
    last_text: str
    message_count: int
    needs_human_handoff: bool
    handoff_reason: str
    ai_enabled: bool
    attributes: dict
    tags: list[Tag]
    notes: list
    createdBy: str
    createdAt: str
    updatedAt: str
    last_activity_at: str
    assigned_at: str | None
    first_response_at: str | None
    resolved_at: str | None
    closed_at: str | None
    snoozed_until: str | None
    waiting_time: int | None


class FileMetadata(TypedDict):
    """Tiledesk's ``metadata`` of an ``image``/``file`` message (its first attachment)."""

    src: str
    name: str
    type: str
    width: int | None
    height: int | None
    size: int


class MessageAttributes(TypedDict, total=False):
    subtype: Literal["info"]


class MessageItem(TypedDict):
    _id: str
    id: str
    request_id: str
    recipient: str
    id_project: str
    sender: str
    senderFullname: str
    sender_type: str
    kind: str
    is_ai: bool
    type: str
    text: str
    metadata: FileMetadata | None
    attributes: MessageAttributes
    attachments: list[AttachmentSnapshot]
    channel_type: Literal["group"]
    status: Literal[100, 150, 300]
    client_id: str | None
    createdAt: str
    delivered_at: str | None
    read_at: str | None


class NoteItem(TypedDict):
    _id: str
    id: str
    request_id: str
    id_project: str
    sender: str
    senderFullname: str
    createdBy: str
    text: str
    mentions: list[str]
    createdAt: str


class Presence(TypedDict):
    status: Literal["online", "offline"]
    changedAt: str | None


class ProjectUserItem(TypedDict):
    _id: str
    id: str
    id_project: str
    id_user: UserObject
    fullname: str
    email: str
    role: str
    status: str
    user_available: bool
    isBusy: bool
    presence: Presence


class MembershipControl(TypedDict):
    type: str
    business_id: int


# Item schema per topic kind.
FRAMES: dict[str, type] = {
    "requests": RequestItem,
    "request": RequestItem,
    "messages": MessageItem,
    "notes": NoteItem,
    "project_user": ProjectUserItem,
    "project_user_by_user": ProjectUserItem,
    GROUP_MEMBERSHIP: MembershipControl,
}
