"""Celery tasks (also run on the in-process pool of the embedded default)."""

from celery import shared_task

from webhooks import delivery


@shared_task(name="webhooks.tasks.deliver_webhook", ignore_result=True)
def deliver_webhook(delivery_id: int) -> None:
    """One attempt of one delivery (a no-op unless it can be claimed)."""
    delivery.deliver(delivery_id)


@shared_task(name="webhooks.tasks.sweep_webhooks", ignore_result=True)
def sweep_webhooks() -> dict:
    """Periodic (Celery beat): fan out missed events, re-enqueue due or abandoned deliveries."""
    return delivery.sweep()
