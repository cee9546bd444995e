"""Pipeline subscribers of the assistant.

- ``on_event`` (``background``: enqueueing may talk to the broker): a committed customer
  message may need an AI answer -> enqueue the task.

The assistant's ``assistant.typing`` events reach the widget through the Socket.IO fan-out
(``realtime.sio_fanout``) like every other event, from a Celery worker as well as in-process.
"""

from ai import flow, tasks
from conversations.events import DomainEvent
from pingback.tasks import enqueue


def on_event(event: DomainEvent) -> None:
    """Subscribed to ``message.created`` only (``ai/apps.py``)."""
    if flow.is_candidate(event.data.get("message", {}), event.data.get("conversation", {})):
        enqueue(tasks.reply_to_message, event.data["message"]["id"])
