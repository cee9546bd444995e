"""The webhook outbox: fan-out, claiming, one attempt, sweeping.

1. ``fan_out_event`` (a task the pipeline's subscriber ``webhooks.subscribers`` enqueues after
   commit) writes one ``WebhookDelivery`` row per matching endpoint (``fan_out``) before any
   network call, then enqueues a task per row.
2. ``deliver`` (the task) claims a row with a conditional UPDATE (pending -> sending with a
   lease), takes an in-flight slot for its endpoint and business (``webhooks.limits``; a busy
   endpoint's delivery is put back for a moment instead of holding a worker), sends one signed
   request bounded by a total deadline (``webhooks.transport``), records the attempt and
   schedules the next one (``webhooks.retry``).
   After a success the task goes on with the endpoint's other due deliveries under the same
   slot (``drain``): up to ``DRAIN_BATCH`` claimed in one UPDATE, sent one after another,
   recorded in two bulk writes, for at most ``DRAIN_SECONDS``; their own tasks then find
   nothing to claim. The first attempt that is not a success ends it: that one takes the
   single path (retry schedule, 410, disabling) and the rest go back to pending.
3. ``sweep`` (Celery beat, or a thread in the embedded default) fans out events the
   subscriber never saw (a crash between commit and fan-out) and re-enqueues deliveries that
   are due or whose lease expired (a worker died mid-send). Nothing is lost; a delivery may
   arrive more than once, always with the same ``webhook-id``. The lease is always longer
   than an attempt's deadline (checked at start-up), so an expired lease means a dead worker.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from conversations.events import DomainEvent, event_from_log
from conversations.models import EventLog
from conversations.snapshots import iso
from pingback import beat
from pingback import logging as logs
from pingback.tasks import enqueue, uses_broker
from webhooks import limits, payloads, retry, transport
from webhooks.models import FanoutCursor, WebhookAttempt, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

# Events younger than this are fanned out again by every sweep (idempotent) before the
# cursor moves past them: a transaction that commits late is still picked up.
FANOUT_SETTLE_SECONDS = 300
# Pending deliveries are left to their own countdown task for this long before the sweeper
# re-enqueues them.
SWEEP_DUE_GRACE_SECONDS = 10
# Retries further away than this are not held by a broker countdown: the sweeper sends them.
COUNTDOWN_MAX_SECONDS = 60
# Draining after a success: deliveries claimed at a time, and the time after which no new
# attempt starts. An attempt started before it ends within the timeout, and leases are at
# least the timeout + 2 s (checked at start-up): every claim of a drain outlives its attempt.
DRAIN_BATCH = 50
DRAIN_SECONDS = 2.0

Status = WebhookDelivery.Status


def backlog() -> int:
    """Deliveries waiting to be sent (pending or being sent): a metric read at scrape."""
    return WebhookDelivery.objects.filter(status__in=[Status.PENDING, Status.SENDING]).count()


# --- fan-out --------------------------------------------------------------------------------


def fan_out(events: list[DomainEvent]) -> int:
    """Write the deliveries of ``events`` (idempotent); returns how many rows are new."""
    return _fan_out(events)[0]


def _fan_out(events: list[DomainEvent]) -> tuple[int, int]:
    """``(new rows, rows wanted)``: wanted counts rows another writer may have created first."""
    wanted = [(e, payloads.render(e)) for e in events]
    wanted = [(e, rendered) for e, rendered in wanted if rendered]
    if not wanted:
        return 0, 0
    endpoints = list(
        WebhookEndpoint.objects.filter(
            business_id__in={e.business_id for e, _ in wanted}, enabled=True
        )
    )
    if not endpoints:
        return 0, 0
    now = timezone.now()
    rows = []
    for event, (name, data) in wanted:
        body = None
        for endpoint in endpoints:
            # Business scope is the audience of a webhook: it sees what an API key sees.
            if endpoint.business_id != event.business_id or event.audience.business_id != (
                endpoint.business_id
            ):
                continue
            if not endpoint.wants(name) or endpoint.created_at > event.occurred_at:
                continue
            webhook_id = f"evt_{event.id}"
            if body is None:
                body = payloads.body(
                    webhook_id,
                    name,
                    iso(event.occurred_at),
                    event.business_public_id,
                    data,
                )
            rows.append(
                WebhookDelivery(
                    business_id=event.business_id,
                    endpoint=endpoint,
                    event_id=event.id,
                    webhook_id=webhook_id,
                    event_type=name,
                    body=body,
                    next_attempt_at=now,
                )
            )
    if not rows:
        return 0, 0
    before = WebhookDelivery.objects.filter(event_id__in=[e.id for e, _ in wanted]).count()
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    after = WebhookDelivery.objects.filter(event_id__in=[e.id for e, _ in wanted]).count()
    return after - before, len(rows)


def fan_out_event(event_id: int) -> None:
    """Write one committed event's deliveries (idempotent), then enqueue each pending one.

    The task the pipeline's subscriber (``webhooks.subscribers``) enqueues after commit."""
    row = EventLog.objects.select_related("business").filter(pk=event_id).first()
    if row is None:
        return  # pruned: nothing to send
    event = event_from_log(row)
    # Send whatever is pending for this event, even rows a concurrent sweep wrote first:
    # claims are conditional, so a delivery enqueued twice is still sent once at a time.
    _created, wanted = _fan_out([event])
    if not wanted:
        return  # no enabled endpoint wants it
    ids = WebhookDelivery.objects.filter(
        event_id=event.id, status=Status.PENDING, attempt_count=0
    ).values_list("id", flat=True)
    for delivery_id in ids:
        enqueue_delivery(delivery_id)


def enqueue_fan_out(event_id: int) -> None:
    """The pipeline's webhook subscriber: a task writes this event's deliveries."""
    from webhooks import tasks  # late: tasks -> delivery -> outbox at import time

    if uses_broker():
        tasks.fan_out_webhook_event.apply_async(
            args=(event_id,), queue=settings.WEBHOOKS_CELERY_QUEUE
        )
        return
    enqueue(tasks.fan_out_webhook_event, event_id)


def fan_out_pending_events(batch: int = 500) -> int:
    """Fan out events after the cursor; move the cursor past those old enough to be settled."""
    cursor, _ = FanoutCursor.objects.get_or_create(pk=1)
    created = 0
    while True:
        rows = list(
            EventLog.objects.filter(id__gt=cursor.last_event_id)
            .select_related("business")
            .order_by("id")[:batch]
        )
        if not rows:
            return created
        created += fan_out([event_from_log(r) for r in rows])
        horizon = timezone.now() - timedelta(seconds=FANOUT_SETTLE_SECONDS)
        settled = cursor.last_event_id
        for row in rows:
            if row.created_at >= horizon:
                break
            settled = row.id
        if settled == cursor.last_event_id:
            return created
        FanoutCursor.objects.filter(pk=1, last_event_id=cursor.last_event_id).update(
            last_event_id=settled
        )
        cursor.last_event_id = settled
        if len(rows) < batch:
            return created


# --- enqueueing and sweeping ----------------------------------------------------------------


def enqueue_delivery(delivery_id: int, countdown: float | None = None) -> None:
    from webhooks import tasks  # late: tasks -> delivery -> outbox at import time

    if uses_broker():
        tasks.deliver_webhook.apply_async(
            args=(delivery_id,), countdown=countdown, queue=settings.WEBHOOKS_CELERY_QUEUE
        )
        return
    # The sweeper first: it backstops the delivery, and it is running by the time the delivery
    # reaches anyone (the pool can send it before this thread's next line).
    beat.ensure_started()
    enqueue(tasks.deliver_webhook, delivery_id, countdown=countdown)


def dispatch_due(limit: int = 500, grace_seconds: float = SWEEP_DUE_GRACE_SECONDS) -> int:
    """Enqueue deliveries that are due (and not yet picked up) or whose lease expired."""
    ids = retry.due_ids(WebhookDelivery, limit=limit, grace_seconds=grace_seconds)
    for delivery_id in ids:
        enqueue_delivery(delivery_id)
    return len(ids)


def sweep(grace_seconds: float = SWEEP_DUE_GRACE_SECONDS) -> dict:
    """One sweeper pass: missed fan-outs, then due and abandoned deliveries."""
    fanned = fan_out_pending_events()
    return {"fanned_out": fanned, "enqueued": dispatch_due(grace_seconds=grace_seconds)}


# --- claiming and sending -------------------------------------------------------------------


def claim(delivery_id: int) -> str | None:
    """Take a due delivery for one attempt; None when it is not due or someone else has it."""
    now = timezone.now()
    token = uuid.uuid4().hex
    lease = now + timedelta(seconds=settings.WEBHOOKS_LEASE_SECONDS)
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id)
        .filter(
            Q(status=Status.PENDING, next_attempt_at__lte=now)
            | Q(status=Status.SENDING, locked_until__lt=now)
        )
        .update(status=Status.SENDING, locked_until=lease, claim_token=token)
    )
    return token if claimed else None


def deliver(delivery_id: int, *, drain: bool = False) -> transport.Outcome | None:
    """Claim and attempt one delivery; None when there was nothing to do (or it was put back).

    With ``drain`` (the task), a success goes on with the endpoint's other due deliveries."""
    started = time.monotonic()
    token = claim(delivery_id)
    if token is None:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint__business").get(pk=delivery_id)
    endpoint = delivery.endpoint
    owned = WebhookDelivery.objects.filter(pk=delivery_id, claim_token=token)
    if not endpoint.enabled:
        owned.update(
            status=Status.FAILED,
            locked_until=None,
            completed_at=timezone.now(),
            last_error=f"endpoint disabled: {endpoint.disabled_reason or 'by its owner'}"[:500],
        )
        return None
    if not limits.acquire(delivery, token):
        # Its endpoint (or business) already has its share of workers: due again shortly,
        # no attempt counted, and this worker goes on with someone else's delivery.
        delay = retry.busy_delay()
        if owned.filter(status=Status.SENDING).update(
            status=Status.PENDING,
            locked_until=None,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
        ):
            enqueue_delivery(delivery_id, countdown=delay)
        return None
    try:
        outcome = _attempt(delivery, endpoint, owned)
        if drain and outcome.success:
            _drain(endpoint, started + DRAIN_SECONDS)
        return outcome
    finally:
        limits.release(delivery, token)


def _attempt(delivery: WebhookDelivery, endpoint: WebhookEndpoint, owned) -> transport.Outcome:
    started_at = timezone.now()
    outcome = transport.send(endpoint, delivery)
    _record(delivery, endpoint, owned, started_at, outcome)
    return outcome


def _log_attempt(
    endpoint: WebhookEndpoint, delivery: WebhookDelivery, number: int, outcome: transport.Outcome
) -> None:
    logs.delivery_attempt(
        "webhook",
        outcome.kind,
        business_id=endpoint.business.public_id,
        delivery_id=delivery.pk,
        webhook_id=delivery.webhook_id,
        event_type=delivery.event_type,
        attempt=number,
        status_code=outcome.status_code,
        duration_ms=outcome.duration_ms,
    )


def _attempt_row(
    delivery: WebhookDelivery, number: int, started_at, outcome: transport.Outcome
) -> WebhookAttempt:
    return WebhookAttempt(
        delivery=delivery,
        number=number,
        started_at=started_at,
        duration_ms=outcome.duration_ms,
        status_code=outcome.status_code,
        response_body=outcome.response_body,
        error=outcome.error,
        success=outcome.success,
    )


def _record(
    delivery: WebhookDelivery, endpoint: WebhookEndpoint, owned, started_at, outcome
) -> None:
    """Log one attempt and move its delivery on: done, or due again, or given up."""
    now = timezone.now()
    number = delivery.attempts.count() + 1
    _attempt_row(delivery, number, started_at, outcome).save(force_insert=True)
    _log_attempt(endpoint, delivery, number, outcome)
    attempts = delivery.attempt_count + 1
    update = {
        "attempt_count": attempts,
        "locked_until": None,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error,
    }
    countdown = None
    if outcome.success:
        update.update(status=Status.SUCCEEDED, completed_at=now)
        if endpoint.failing_since is not None:  # as read with the delivery: no query when fine
            WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(
                failing_since=None
            )
    elif outcome.status_code == 410:
        update.update(
            status=Status.FAILED, completed_at=now, last_error="410 Gone: endpoint disabled"
        )
        retry.disable(endpoint, "The endpoint answered 410 Gone.")
    else:
        if outcome.status_code is not None and 300 <= outcome.status_code < 400:
            update["last_error"] = (
                f"redirect not followed ({outcome.status_code} to {outcome.location!r})"[:500]
            )
        if attempts >= settings.WEBHOOKS_MAX_ATTEMPTS:
            update.update(status=Status.FAILED, completed_at=now)
        else:
            if outcome.status_code in (429, 503) and outcome.retry_after is not None:
                delay = min(outcome.retry_after, settings.WEBHOOKS_RETRY_MAX_SECONDS)
            else:
                delay = retry.retry_delay(attempts)
            update.update(status=Status.PENDING, next_attempt_at=now + timedelta(seconds=delay))
            if delay <= COUNTDOWN_MAX_SECONDS:
                countdown = delay
        retry.note_failure(endpoint, now)
    if owned.filter(status=Status.SENDING).update(**update) and countdown is not None:
        enqueue_delivery(delivery.pk, countdown=countdown or None)


# --- draining an endpoint's backlog -----------------------------------------------------------


def _drain(endpoint: WebhookEndpoint, deadline: float) -> None:
    """The endpoint's other due deliveries, batch after batch, until ``deadline`` (monotonic),
    an empty batch, or the first attempt that is not a success."""
    while time.monotonic() < deadline:
        token = uuid.uuid4().hex
        batch = _claim_batch(endpoint, token)
        sent: list[tuple[WebhookDelivery, object, transport.Outcome]] = []
        for i, delivery in enumerate(batch):
            if time.monotonic() >= deadline:
                _record_successes(endpoint, token, sent)
                return _put_back(batch[i:], token)
            started_at = timezone.now()
            outcome = transport.send(endpoint, delivery)
            if not outcome.success:
                _record_successes(endpoint, token, sent)
                owned = WebhookDelivery.objects.filter(pk=delivery.pk, claim_token=token)
                _record(delivery, endpoint, owned, started_at, outcome)
                return _put_back(batch[i + 1 :], token)
            sent.append((delivery, started_at, outcome))
        _record_successes(endpoint, token, sent)
        if len(batch) < DRAIN_BATCH:
            return None
    return None


def _claim_batch(endpoint: WebhookEndpoint, token: str) -> list[WebhookDelivery]:
    now = timezone.now()
    due = (
        # Each batch asks again whether the endpoint is enabled: one its owner disables (or
        # deletes) during a drain gets at most the batch being sent.
        WebhookDelivery.objects.filter(
            endpoint=endpoint,
            endpoint__enabled=True,
            status=Status.PENDING,
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)
    )
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            # Another worker's batch is skipped; only the deliveries are locked, not the endpoint.
            due = due.select_for_update(skip_locked=True, of=("self",))
        ids = list(due[:DRAIN_BATCH])
        if not ids:
            return []
        # Conditional, like a single claim: a row another worker took meanwhile stays theirs.
        WebhookDelivery.objects.filter(pk__in=ids, status=Status.PENDING).update(
            status=Status.SENDING,
            locked_until=now + timedelta(seconds=settings.WEBHOOKS_LEASE_SECONDS),
            claim_token=token,
        )
    return list(
        WebhookDelivery.objects.filter(claim_token=token, status=Status.SENDING).order_by(
            "next_attempt_at", "id"
        )
    )


def _record_successes(endpoint: WebhookEndpoint, token: str, sent: list) -> None:
    """The attempts of a drained batch in one INSERT, their completions in an UPDATE per
    status code (a delivery whose lease was taken over meanwhile is left to its new owner)."""
    if not sent:
        return
    ids = [delivery.pk for delivery, _, _ in sent]
    before = dict(
        WebhookAttempt.objects.filter(delivery_id__in=ids)
        .values_list("delivery_id")
        .annotate(n=Count("id"))
    )
    attempts = []
    for delivery, started_at, outcome in sent:
        number = before.get(delivery.pk, 0) + 1
        attempts.append(_attempt_row(delivery, number, started_at, outcome))
        _log_attempt(endpoint, delivery, number, outcome)
    WebhookAttempt.objects.bulk_create(attempts)
    now = timezone.now()
    by_code: dict[int | None, list[int]] = {}
    for delivery, _, outcome in sent:
        by_code.setdefault(outcome.status_code, []).append(delivery.pk)
    for code, code_ids in by_code.items():
        WebhookDelivery.objects.filter(
            pk__in=code_ids, claim_token=token, status=Status.SENDING
        ).update(
            status=Status.SUCCEEDED,
            completed_at=now,
            attempt_count=F("attempt_count") + 1,
            locked_until=None,
            last_status_code=code,
            last_error="",
        )


def _put_back(rest: list[WebhookDelivery], token: str) -> None:
    """Claimed but not attempted: pending again, each with its task enqueued again."""
    if not rest:
        return
    ids = [delivery.pk for delivery in rest]
    WebhookDelivery.objects.filter(pk__in=ids, claim_token=token, status=Status.SENDING).update(
        status=Status.PENDING, locked_until=None
    )
    for delivery_id in ids:
        enqueue_delivery(delivery_id)
