"""Pipeline subscriber: a committed customer message may need an AI answer."""

from ai import flow, tasks
from conversations.events import DomainEvent, EventType
from pingback.tasks import enqueue


def on_event(event: DomainEvent) -> None:
    if event.type != EventType.MESSAGE_CREATED:
        return
    if flow.is_candidate(event.data.get("message", {}), event.data.get("conversation", {})):
        enqueue(tasks.reply_to_message, event.data["message"]["id"])
