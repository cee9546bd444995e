"""The event contract: every event type and the payload it carries.

Each event type has one declared payload (a ``TypedDict`` of JSON-safe snapshots from
``conversations.snapshots``). ``publish`` refuses a payload whose keys differ from the
declaration, and ``tests/test_event_contract.py`` validates every payload an action really
publishes against its type, field by field. Each surface renders events through one projection
table (``conversations.events.projection``); a new event type is a line here, a payload type,
and a row in every surface's table.
"""

from enum import StrEnum
from typing import Any, Literal, TypedDict

from conversations.snapshots import (
    ActorSnapshot,
    AgentSnapshot,
    ConversationSnapshot,
    CustomerSnapshot,
    LabelSnapshot,
    MessageSnapshot,
    RatingSnapshot,
)
from teamtools.snapshots import NoteSnapshot


class EventType(StrEnum):
    CONVERSATION_CREATED = "conversation.created"
    CONVERSATION_STATUS_CHANGED = "conversation.status_changed"
    CONVERSATION_ASSIGNED = "conversation.assigned"
    CONVERSATION_HANDOFF_REQUESTED = "conversation.handoff_requested"
    CONVERSATION_HANDOFF_CLEARED = "conversation.handoff_cleared"
    CONVERSATION_AI_TOGGLED = "conversation.ai_toggled"
    CONVERSATION_RATED = "conversation.rated"  # the customer's CSAT answer (once)
    MESSAGE_CREATED = "message.created"
    MESSAGES_DELIVERED = "message.delivered"
    MESSAGES_READ = "message.read"
    # A reply could not be sent on the conversation's channel (customer_channels.outbox).
    MESSAGE_DELIVERY_FAILED = "message.delivery_failed"
    # The channel (email, WhatsApp, Telegram, API) accepted a reply: the inbox shows "sent by …".
    MESSAGE_CHANNEL_SENT = "message.channel_sent"
    CONVERSATION_LABELS_CHANGED = "conversation.labels_changed"
    CONVERSATION_SNOOZED = "conversation.snoozed"
    # A private note (staff only: never on a customer surface, see teamtools.actions.notes).
    NOTE_CREATED = "note.created"
    CUSTOMER_IDENTIFIED = "customer.identified"
    # Two customers were one person: the second's conversations moved (teamtools.actions.merge).
    CUSTOMER_MERGED = "customer.merged"
    # A customer's personal data was erased on request (``privacy.actions.do_erase_customer``).
    CUSTOMER_ERASED = "customer.erased"
    AGENT_STATUS_CHANGED = "agent.status_changed"
    AGENT_MEMBERSHIP_CHANGED = "agent.membership_changed"  # role changed or removed
    API_KEY_REVOKED = "api_key.revoked"
    # Widget settings or business hours changed: open widgets reload their settings.
    WIDGET_SETTINGS_CHANGED = "widget.settings_changed"
    # Ephemeral (never stored in the event log, no id): someone is composing a message.
    TYPING = "conversation.typing"
    # The AI assistant started/stopped composing a reply (ephemeral too).
    ASSISTANT_TYPING = "assistant.typing"
    # An agent opened/left a conversation in the inbox: colleagues see "X is viewing"
    # (collision detection; ephemeral, staff only).
    VIEWING = "conversation.viewing"


class ConversationChanged(TypedDict):
    conversation: ConversationSnapshot
    actor: ActorSnapshot


class StatusChanged(TypedDict):
    conversation: ConversationSnapshot
    previous_status: str
    status: str
    actor: ActorSnapshot
    # Resolved in a business that asks for CSAT: the widget shows the rating question.
    csat_requested: bool


class Assigned(TypedDict):
    conversation: ConversationSnapshot
    assignee: AgentSnapshot | None
    previous_assignee: AgentSnapshot | None
    actor: ActorSnapshot
    handoff_cleared: bool


class HandoffRequested(TypedDict):
    conversation: ConversationSnapshot
    reason: str
    actor: ActorSnapshot


class AiToggled(TypedDict):
    conversation: ConversationSnapshot
    enabled: bool
    actor: ActorSnapshot


class Rated(TypedDict):
    conversation: ConversationSnapshot
    rating: RatingSnapshot
    actor: ActorSnapshot


class MessageCreated(TypedDict):
    message: MessageSnapshot
    conversation: ConversationSnapshot


class LabelsChanged(TypedDict):
    conversation: ConversationSnapshot
    labels: list[LabelSnapshot]  # all of the conversation's labels now
    added: list[LabelSnapshot]
    removed: list[LabelSnapshot]
    actor: ActorSnapshot


class Snoozed(TypedDict):
    conversation: ConversationSnapshot
    until: str
    actor: ActorSnapshot


class NoteCreated(TypedDict):
    note: NoteSnapshot
    conversation: ConversationSnapshot
    actor: ActorSnapshot


class Receipt(TypedDict, total=False):
    message_id: int
    delivered_at: str
    read_at: str


class Receipts(TypedDict):
    conversation_id: int
    customer_id: int
    reader: Literal["customer", "agent"]
    receipts: list[Receipt]
    # The marked messages as they are now (surfaces that replace whole objects need them).
    messages: list[MessageSnapshot]


class DeliveryFailed(TypedDict):
    conversation_id: int
    message_id: int
    channel: str  # the channel kind: email, whatsapp, telegram, api
    reason: str


class ChannelSent(TypedDict):
    conversation_id: int
    message_id: int
    channel: str  # the channel kind: email, whatsapp, telegram, api


class CustomerIdentified(TypedDict):
    customer: CustomerSnapshot
    actor: ActorSnapshot


class CustomerErased(TypedDict):
    customer: CustomerSnapshot  # as it is after erasure: no name, email or metadata
    conversations: list[ConversationSnapshot]  # theirs, with message texts erased
    actor: ActorSnapshot


class CustomerMerged(TypedDict):
    customer: CustomerSnapshot
    merged_customer_id: int
    conversation_ids: list[int]
    actor: ActorSnapshot


class AgentStatusChanged(TypedDict):
    agent: AgentSnapshot
    previous_status: str


class MembershipChanged(TypedDict):
    agent_id: int
    user_id: int
    role: str | None  # None: the membership ended


class ApiKeyRevoked(TypedDict):
    api_key_id: int


class WidgetSettingsChanged(TypedDict):
    changed: list[str]  # field names (widget settings) or "hours"


class Typing(TypedDict):
    conversation_id: int
    # Who types, as the server knows it: an agent id, a customer id, or "ai".
    user_id: int | str
    sender_type: Literal["customer", "agent", "system"]
    is_typing: bool
    is_ai: bool
    actor: ActorSnapshot


class Viewing(TypedDict):
    conversation_id: int
    agent_id: int
    name: str
    is_viewing: bool
    actor: ActorSnapshot


PAYLOADS: dict[EventType, Any] = {
    EventType.CONVERSATION_CREATED: ConversationChanged,
    EventType.CONVERSATION_STATUS_CHANGED: StatusChanged,
    EventType.CONVERSATION_ASSIGNED: Assigned,
    EventType.CONVERSATION_HANDOFF_REQUESTED: HandoffRequested,
    EventType.CONVERSATION_HANDOFF_CLEARED: ConversationChanged,
    EventType.CONVERSATION_AI_TOGGLED: AiToggled,
    EventType.CONVERSATION_RATED: Rated,
    EventType.MESSAGE_CREATED: MessageCreated,
    EventType.MESSAGES_DELIVERED: Receipts,
    EventType.MESSAGES_READ: Receipts,
    EventType.MESSAGE_DELIVERY_FAILED: DeliveryFailed,
    EventType.MESSAGE_CHANNEL_SENT: ChannelSent,
    EventType.CONVERSATION_LABELS_CHANGED: LabelsChanged,
    EventType.CONVERSATION_SNOOZED: Snoozed,
    EventType.NOTE_CREATED: NoteCreated,
    EventType.CUSTOMER_IDENTIFIED: CustomerIdentified,
    EventType.CUSTOMER_MERGED: CustomerMerged,
    EventType.CUSTOMER_ERASED: CustomerErased,
    EventType.AGENT_STATUS_CHANGED: AgentStatusChanged,
    EventType.AGENT_MEMBERSHIP_CHANGED: MembershipChanged,
    EventType.API_KEY_REVOKED: ApiKeyRevoked,
    EventType.WIDGET_SETTINGS_CHANGED: WidgetSettingsChanged,
    EventType.TYPING: Typing,
    EventType.ASSISTANT_TYPING: Typing,
    EventType.VIEWING: Viewing,
}

# Delivered live only: not written to the event log, not replayed, never sent as webhooks.
EPHEMERAL = frozenset({EventType.TYPING, EventType.ASSISTANT_TYPING, EventType.VIEWING})


def check_payload(type: EventType, data: dict) -> None:
    """Refuse a payload whose keys are not its type's declaration (cheap, on every publish)."""
    declared = PAYLOADS[type]
    keys = set(data)
    if not declared.__required_keys__ <= keys <= declared.__annotations__.keys():
        raise TypeError(
            f"{type} payload has keys {sorted(keys)}; "
            f"{declared.__name__} declares {sorted(declared.__annotations__)}"
        )
