"""Pipeline subscribers of the assistant.

- ``on_event``: a committed customer message may need an AI answer -> enqueue the task.
- ``deliver_typing``: ``assistant.typing`` becomes the widget's Socket.IO ``typing`` event
  (payload ``{conversation_id, user_id: "ai", is_typing, sender_type: "system", is_ai}``),
  sent through the Socket.IO fan-out's emitter to the conversation's rooms the event's
  audience allows, so it works from a Celery worker as well as in-process.
"""

from ai import flow, tasks
from conversations.events import DomainEvent, EventType
from pingback.tasks import enqueue


def on_event(event: DomainEvent) -> None:
    if event.type != EventType.MESSAGE_CREATED:
        return
    if flow.is_candidate(event.data.get("message", {}), event.data.get("conversation", {})):
        enqueue(tasks.reply_to_message, event.data["message"]["id"])


def typing_payload(event: DomainEvent) -> dict:
    return {
        "conversation_id": event.data["conversation_id"],
        "user_id": "ai",
        "is_typing": event.data["is_typing"],
        "sender_type": "system",
        "is_ai": True,
    }


def deliver_typing(event: DomainEvent) -> None:
    if event.type != EventType.ASSISTANT_TYPING:
        return
    from realtime import rooms, sio_fanout

    if sio_fanout.plan(event):
        return  # the Socket.IO fan-out learned this event itself: don't send it twice
    targets = rooms.conversation_targets(event.audience, event.business_id)
    sio_fanout.emitter.emit("typing", typing_payload(event), targets)
