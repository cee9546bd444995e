"""The one event pipeline.

An action calls :func:`publish` inside its transaction. That writes an ``EventLog`` row (its
id is the event id: monotonically increasing, so clients resume from a cursor) and defers
delivery to ``transaction.on_commit``: subscribers see an event only once its change is
committed, and never when the transaction rolls back.

Subscribers (Socket.IO rooms, topic consumers, the /ws stream, webhooks, the AI assistant)
register with :func:`subscribe` in their ``AppConfig.ready``; actions never call them.
The action decides the audience; subscribers only deliver, checking each receiver against
``event.audience``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum

from django.db import transaction

logger = logging.getLogger(__name__)


class EventType(StrEnum):
    CONVERSATION_CREATED = "conversation.created"
    CONVERSATION_STATUS_CHANGED = "conversation.status_changed"
    CONVERSATION_ASSIGNED = "conversation.assigned"
    CONVERSATION_HANDOFF_REQUESTED = "conversation.handoff_requested"
    CONVERSATION_HANDOFF_CLEARED = "conversation.handoff_cleared"
    CONVERSATION_AI_TOGGLED = "conversation.ai_toggled"
    MESSAGE_CREATED = "message.created"
    MESSAGES_DELIVERED = "message.delivered"
    MESSAGES_READ = "message.read"
    CUSTOMER_IDENTIFIED = "customer.identified"
    AGENT_STATUS_CHANGED = "agent.status_changed"
    AGENT_MEMBERSHIP_CHANGED = "agent.membership_changed"  # role changed or removed
    API_KEY_REVOKED = "api_key.revoked"
    # The AI assistant started/stopped composing a reply (widget typing indicator).
    ASSISTANT_TYPING = "assistant.typing"


class WidgetScope(StrEnum):
    """Which anonymous widget sockets of the business may receive an event."""

    NONE = "none"  # staff only
    CONVERSATION = "conversation"  # the conversation's own customer
    BUSINESS = "business"  # every widget of the business (e.g. agent availability)


@dataclass(frozen=True)
class Audience:
    """Who may receive an event. Decided by the action, enforced by every subscriber.

    Staff: owners/admins of ``business_id`` always; a plain agent only when the conversation
    is assigned to them or unassigned (``assignee_id``), or when named in ``agent_ids``
    (e.g. the agent a conversation was just taken away from, to learn it is gone).
    """

    business_id: int
    conversation_id: int | None = None
    assignee_id: int | None = None
    customer_id: int | None = None
    widgets: WidgetScope = WidgetScope.NONE
    agent_ids: tuple[int, ...] = ()

    def allows_agent(self, agent_id: int, business_id: int, is_manager: bool) -> bool:
        if business_id != self.business_id:
            return False
        if is_manager or self.conversation_id is None:
            return True
        return self.assignee_id in (None, agent_id) or agent_id in self.agent_ids

    def allows_customer(self, customer_id: int | None, business_id: int) -> bool:
        if business_id != self.business_id:
            return False
        if self.widgets == WidgetScope.BUSINESS:
            return True
        if self.widgets == WidgetScope.CONVERSATION:
            return customer_id is not None and customer_id == self.customer_id
        return False

    def to_json(self) -> dict:
        data = asdict(self)
        data["widgets"] = str(self.widgets)
        data["agent_ids"] = list(self.agent_ids)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Audience:
        return cls(
            business_id=data["business_id"],
            conversation_id=data.get("conversation_id"),
            assignee_id=data.get("assignee_id"),
            customer_id=data.get("customer_id"),
            widgets=WidgetScope(data.get("widgets", "none")),
            agent_ids=tuple(data.get("agent_ids", ())),
        )


@dataclass(frozen=True)
class DomainEvent:
    """A committed change. ``data`` holds JSON-safe snapshots (see ``snapshots``)."""

    id: int
    type: EventType
    business_id: int
    business_public_id: str
    occurred_at: datetime
    audience: Audience
    data: dict = field(default_factory=dict)

    @property
    def conversation_id(self) -> int | None:
        return self.audience.conversation_id


Subscriber = Callable[[DomainEvent], None]
_subscribers: dict[str, Subscriber] = {}


def subscribe(name: str, fn: Subscriber) -> None:
    """Register ``fn`` under ``name`` (re-registering a name replaces it)."""
    _subscribers[name] = fn


def unsubscribe(name: str) -> None:
    _subscribers.pop(name, None)


def subscribers() -> dict[str, Subscriber]:
    return dict(_subscribers)


def dispatch(event: DomainEvent) -> None:
    """Hand a committed event to every subscriber; one failing never stops the others."""
    for name, fn in list(_subscribers.items()):
        try:
            fn(event)
        except Exception:
            logger.exception(
                "event subscriber %s failed on event %s %s", name, event.id, event.type
            )


def publish(type: EventType, *, business, audience: Audience, data: dict) -> DomainEvent:
    """Record ``type`` in the event log and dispatch it after the current transaction commits.

    Must be called inside ``transaction.atomic()``: publishing outside one would deliver an
    event for a change that may still fail.
    """
    from conversations.models import EventLog

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("publish() must run inside transaction.atomic()")
    row = EventLog.objects.create(
        business=business,
        type=str(type),
        conversation_id=audience.conversation_id,
        data=data,
        audience=audience.to_json(),
    )
    event = DomainEvent(
        id=row.id,
        type=EventType(type),
        business_id=business.pk,
        business_public_id=business.public_id,
        occurred_at=row.created_at,
        audience=audience,
        data=data,
    )
    transaction.on_commit(lambda: dispatch(event))
    return event


def event_from_log(row) -> DomainEvent:
    """Rebuild a DomainEvent from its EventLog row (for cursor resume and the outbox)."""
    return DomainEvent(
        id=row.id,
        type=EventType(row.type),
        business_id=row.business_id,
        business_public_id=row.business.public_id,
        occurred_at=row.created_at,
        audience=Audience.from_json(row.audience),
        data=row.data,
    )
