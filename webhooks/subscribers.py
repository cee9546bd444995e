"""The webhooks' event-pipeline subscriber (``background``: it may talk to the broker).

It only enqueues: a task writes the deliveries and sends them (``webhooks.delivery``); the
sweeper is the backstop when that task is lost.

Most businesses have no webhook. Enqueueing a task per event that then finds no endpoint cost
a broker publish in the server (≈ 3 % of a busy process) and a worker task per message (issue
12). So whether a business has an enabled endpoint is cached per process for
:data:`CACHE_SECONDS`, keyed by its public id (``pingback.timed_cache``). This process forgets
a business when one of its endpoints is created or enabled (``webhooks.actions``); another
process's change is seen within the cache's lifetime, and an event skipped meanwhile is not
lost: the sweeper fans out every event of the log past its cursor
(``webhooks.outbox.fan_out_pending_events``), so it arrives with the next sweep instead of at
once.
"""

from conversations.events import DomainEvent
from pingback.timed_cache import TimedCache
from webhooks import delivery, payloads
from webhooks.models import WebhookEndpoint

CACHE_SECONDS = 5.0

_has_endpoints: TimedCache[bool] = TimedCache(CACHE_SECONDS)


def has_endpoints(business_id: int, business_public_id: str) -> bool:
    """Whether the business has an enabled endpoint (one query at most every CACHE_SECONDS)."""
    return _has_endpoints.get(
        business_public_id,
        lambda: WebhookEndpoint.objects.filter(business_id=business_id, enabled=True).exists(),
    )


def forget(business_public_id: str) -> None:
    _has_endpoints.forget(business_public_id)


def on_event(event: DomainEvent) -> None:
    # The cached answer first: a business without webhooks costs no rendering either.
    if not has_endpoints(event.business_id, event.business_public_id):
        return
    if payloads.render(event) is not None:
        delivery.enqueue_fan_out(event.id)
