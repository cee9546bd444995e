"""The webhooks' event-pipeline subscriber (``background``: it may talk to the broker).

It only enqueues: a task writes the deliveries and sends them (``webhooks.delivery``); the
sweeper is the backstop when that task is lost.
"""

from conversations.events import DomainEvent
from webhooks import delivery, payloads


def on_event(event: DomainEvent) -> None:
    if payloads.render(event) is not None:
        delivery.enqueue_fan_out(event.id)
