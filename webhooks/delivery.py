"""Webhook delivery: the outbox's public names (the pipeline's subscriber is
``webhooks.subscribers``; it enqueues ``fan_out_event``).

The machinery lives along its seams: ``webhooks.outbox`` (fan-out, claiming, one attempt,
sweeping), ``webhooks.transport`` (one HTTP attempt under a total deadline and a byte cap),
``webhooks.retry`` (backoff, giving up, disabling) and ``webhooks.limits`` (in-flight attempts
per endpoint and per business). The names below stay importable from here.
"""

from __future__ import annotations

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
    enqueue_fan_out,
    fan_out,
    fan_out_event,
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
