"""Webhook delivery: the event-pipeline subscriber, and the outbox's public names.

The machinery lives along its seams: ``webhooks.outbox`` (fan-out, claiming, one attempt,
sweeping), ``webhooks.transport`` (one HTTP attempt under a total deadline and a byte cap),
``webhooks.retry`` (backoff, giving up, disabling) and ``webhooks.limits`` (in-flight attempts
per endpoint and per business). The names below stay importable from here.
"""

from __future__ import annotations

from conversations.events import DomainEvent
from webhooks import payloads
from webhooks.models import WebhookDelivery
from webhooks.outbox import (  # noqa: F401
    COUNTDOWN_MAX_SECONDS,
    FANOUT_SETTLE_SECONDS,
    SWEEP_DUE_GRACE_SECONDS,
    _fan_out,
    claim,
    deliver,
    dispatch_due,
    enqueue_delivery,
    fan_out,
    fan_out_pending_events,
    sweep,
)
from webhooks.retry import disable, note_failure, retry_delay  # noqa: F401
from webhooks.transport import (  # noqa: F401
    RESPONSE_BODY_LIMIT,
    USER_AGENT,
    Outcome,
    parse_retry_after,
    request_headers,
    send,
    signing_secrets,
)

Status = WebhookDelivery.Status


def on_event(event: DomainEvent) -> None:
    """Event-pipeline subscriber: write this event's deliveries, then send them."""
    if not payloads.webhook_event_name(event.type, event.data):
        return
    # Send whatever is pending for this event, even rows a concurrent sweep wrote first:
    # claims are conditional, so a delivery enqueued twice is still sent once at a time.
    _created, wanted = _fan_out([event])
    if not wanted:
        return  # no enabled endpoint wants it: one query, nothing more
    ids = WebhookDelivery.objects.filter(
        event_id=event.id, status=Status.PENDING, attempt_count=0
    ).values_list("id", flat=True)
    for delivery_id in ids:
        enqueue_delivery(delivery_id)
