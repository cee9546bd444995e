"""Celery tasks (also run on the in-process pool of the embedded default)."""

from celery import shared_task
from django.db import connection

from webhooks import delivery


@shared_task(bind=True, name="webhooks.tasks.deliver_webhook", ignore_result=True)
def deliver_webhook(self, delivery_id: int) -> None:
    """One attempt of one delivery (a no-op unless it can be claimed); after a success, the
    endpoint's other due deliveries (``webhooks.outbox.deliver``'s drain)."""
    try:
        delivery.deliver(delivery_id, drain=True)
    finally:
        if self.request.is_eager:
            # On the in-process pool: hold no database connection between tasks (a pool
            # thread's persistent connection would outlive its work, e.g. blocking DROP DATABASE).
            connection.close()


@shared_task(bind=True, name="webhooks.tasks.fan_out_webhook_event", ignore_result=True)
def fan_out_webhook_event(self, event_id: int) -> None:
    """Write one committed event's deliveries and enqueue them (the pipeline's subscriber)."""
    try:
        delivery.fan_out_event(event_id)
    finally:
        if self.request.is_eager:
            connection.close()


@shared_task(name="webhooks.tasks.sweep_webhooks", ignore_result=True)
def sweep_webhooks() -> dict:
    """Periodic (Celery beat): fan out missed events, re-enqueue due or abandoned deliveries."""
    return delivery.sweep()
