"""When automatic assignment runs: on every event that may add a waiting conversation or free
an agent's slot (``conversations.actions.auto_assign`` does the work, as a background task)."""

from __future__ import annotations

from conversations.events import DomainEvent, EventType
from conversations.models import Business, Conversation
from conversations.tasks import assign_waiting
from pingback.tasks import enqueue

S = Conversation.Status
ONLINE = "online"


# The events that may free a slot or leave a conversation waiting (may_free_or_wait).
TRIGGERS = (
    EventType.CONVERSATION_CREATED,
    EventType.CONVERSATION_HANDOFF_REQUESTED,
    EventType.CONVERSATION_AI_TOGGLED,
    EventType.CONVERSATION_STATUS_CHANGED,
    EventType.CONVERSATION_ASSIGNED,
    EventType.AGENT_STATUS_CHANGED,
)


def may_free_or_wait(event: DomainEvent) -> bool:
    data = event.data
    match event.type:
        case EventType.CONVERSATION_CREATED | EventType.CONVERSATION_HANDOFF_REQUESTED:
            return data["conversation"]["assignee"] is None
        case EventType.CONVERSATION_AI_TOGGLED:
            return not data["enabled"]
        case EventType.CONVERSATION_STATUS_CHANGED:
            return True  # resolved/closed free a slot; reopened may wait again
        case EventType.CONVERSATION_ASSIGNED:
            return data["assignee"] is None or data["previous_assignee"] is not None
        case EventType.AGENT_STATUS_CHANGED:
            return data["agent"]["status"] == ONLINE
    return False


def on_event(event: DomainEvent) -> None:
    """A background subscriber: enqueue a run when the business uses round robin."""
    if not may_free_or_wait(event):
        return
    if not Business.objects.filter(
        pk=event.business_id, auto_assign_mode=Business.AutoAssign.ROUND_ROBIN
    ).exists():
        return

    enqueue(assign_waiting, event.business_id)
