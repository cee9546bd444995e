"""The webhook outbox: fan-out, claiming, sending, retrying, sweeping.

1. ``fan_out_event`` (a task the pipeline subscriber ``webhooks.subscribers`` enqueues after
   commit) writes one ``WebhookDelivery`` row per matching endpoint before any network call,
   then enqueues a task per row.
2. ``deliver`` (the task) claims a row with a conditional UPDATE (pending -> sending with a
   lease), sends one signed request, records the attempt and schedules the next one.
3. ``sweep`` (Celery beat, or a thread in the embedded default) fans out events the
   subscriber never saw (a crash between commit and fan-out) and re-enqueues deliveries that
   are due or whose lease expired (a worker died mid-send). Nothing is lost; a delivery may
   arrive more than once, always with the same ``webhook-id``.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta

import urllib3
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from conversations.events import DomainEvent, event_from_log
from conversations.models import EventLog
from conversations.snapshots import iso
from webhooks import payloads, signing, ssrf
from webhooks.models import FanoutCursor, WebhookAttempt, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

USER_AGENT = "PingBack-Webhooks/1"
RESPONSE_BODY_LIMIT = 2048  # characters of the response kept per attempt
# Events younger than this are fanned out again by every sweep (idempotent) before the
# cursor moves past them: a transaction that commits late is still picked up.
FANOUT_SETTLE_SECONDS = 300
# Pending deliveries are left to their own countdown task for this long before the sweeper
# re-enqueues them.
SWEEP_DUE_GRACE_SECONDS = 10
# Retries further away than this are not held by a broker countdown: the sweeper sends them.
COUNTDOWN_MAX_SECONDS = 60

Status = WebhookDelivery.Status


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
    """Write one event's deliveries (idempotent), then enqueue each pending one."""
    row = EventLog.objects.select_related("business").filter(pk=event_id).first()
    if row is None:
        return  # pruned: nothing to send
    event = event_from_log(row)
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


def enqueue_fan_out(event_id: int) -> None:
    """The pipeline's webhook subscriber: a task writes this event's deliveries."""
    from pingback.tasks import enqueue, uses_broker
    from webhooks import tasks

    if uses_broker():
        tasks.fan_out_webhook_event.apply_async(
            args=(event_id,), queue=settings.WEBHOOKS_CELERY_QUEUE
        )
        return
    enqueue(tasks.fan_out_webhook_event, event_id)


def enqueue_delivery(delivery_id: int, countdown: float | None = None) -> None:
    from pingback.tasks import enqueue, uses_broker
    from webhooks import tasks

    if uses_broker():
        tasks.deliver_webhook.apply_async(
            args=(delivery_id,), countdown=countdown, queue=settings.WEBHOOKS_CELERY_QUEUE
        )
        return
    enqueue(tasks.deliver_webhook, delivery_id, countdown=countdown)
    from pingback import beat

    beat.ensure_started()


def dispatch_due(limit: int = 500, grace_seconds: float = SWEEP_DUE_GRACE_SECONDS) -> int:
    """Enqueue deliveries that are due (and not yet picked up) or whose lease expired."""
    now = timezone.now()
    ids = list(
        WebhookDelivery.objects.filter(
            Q(status=Status.PENDING, next_attempt_at__lte=now - timedelta(seconds=grace_seconds))
            | Q(status=Status.SENDING, locked_until__lt=now)
        )
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )
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


@dataclass
class Outcome:
    status_code: int | None = None
    response_body: str = ""
    error: str = ""
    duration_ms: int = 0
    retry_after: float | None = None
    location: str = ""

    @property
    def success(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def signing_secrets(endpoint: WebhookEndpoint, now) -> list[str]:
    secrets_ = [endpoint.secret]
    if endpoint.previous_secret and (
        endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > now
    ):
        secrets_.append(endpoint.previous_secret)
    return secrets_


def request_headers(endpoint: WebhookEndpoint, delivery: WebhookDelivery, timestamp: int):
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": delivery.webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signing.signature_header(
            signing_secrets(endpoint, timezone.now()), delivery.webhook_id, timestamp, delivery.body
        ),
    }


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


POOL_CACHE_SIZE = 64  # kept-alive connection pools per process, least recently used dropped
_pools: OrderedDict[tuple, urllib3.HTTPConnectionPool] = OrderedDict()
_pools_lock = threading.Lock()


def _pool(target: ssrf.Target, address: str, timeout: urllib3.Timeout):
    """A kept-alive pool per checked address (and URL host name, port, scheme, timeouts).

    Consecutive deliveries to one receiver reuse its connection instead of a TCP (and TLS)
    handshake each. The pool is keyed by the address ``ssrf.resolve`` checked for this very
    delivery, so a reused connection never reaches an address that was not checked.
    """
    key = (target.scheme, address, target.port, target.host, timeout.connect_timeout)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is not None:
            _pools.move_to_end(key)
            return pool
        pool = _new_pool(target, address, timeout)
        _pools[key] = pool
        while len(_pools) > POOL_CACHE_SIZE:
            _, dropped = _pools.popitem(last=False)
            dropped.close()
    return pool


def _new_pool(target: ssrf.Target, address: str, timeout: urllib3.Timeout):
    # Connect to the checked address; Host header and TLS name stay the URL's host name.
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=timeout,
            retries=False,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
        )
    return urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False)


CONNECT_FAILED = "connection failed"


def _post(target, address, headers, body: bytes, timeout) -> Outcome:
    outcome = Outcome()
    pool = _pool(target, address, timeout)
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers=headers,
            redirect=False,
            retries=False,
            assert_same_host=False,
            preload_content=False,
        )
        try:
            raw = response.read(RESPONSE_BODY_LIMIT * 4, decode_content=True)
            if not response.isclosed():
                # A body longer than we read: do not reuse a connection with unread bytes.
                response.close()
        finally:
            response.release_conn()
        outcome.status_code = response.status
        outcome.response_body = raw.decode("utf-8", "replace")[:RESPONSE_BODY_LIMIT]
        outcome.retry_after = parse_retry_after(response.headers.get("Retry-After"))
        outcome.location = response.headers.get("Location", "")
    except urllib3.exceptions.NewConnectionError as exc:
        outcome.error = f"{CONNECT_FAILED} to {address}: {exc}"[:500]
    except (urllib3.exceptions.TimeoutError, TimeoutError):
        outcome.error = f"timed out after {settings.WEBHOOKS_TIMEOUT_SECONDS}s"
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"[:500]
    return outcome


def send(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> Outcome:
    """One POST of the delivery's body to the endpoint. Never raises, never follows redirects."""
    started = time.monotonic()
    outcome = Outcome()
    try:
        target = ssrf.resolve(endpoint.url)
    except ssrf.UnsafeURL as exc:
        outcome.error = f"refused: {exc.message}"
        return outcome
    headers = request_headers(endpoint, delivery, int(time.time()))
    default_port = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    headers["Host"] = host if target.port == default_port else f"{host}:{target.port}"
    timeout = urllib3.Timeout(
        connect=settings.WEBHOOKS_TIMEOUT_SECONDS, read=settings.WEBHOOKS_TIMEOUT_SECONDS
    )
    body = delivery.body.encode()
    for address in target.addresses:
        outcome = _post(target, address, headers, body, timeout)
        if not outcome.error.startswith(CONNECT_FAILED):
            break  # only an address that refuses the connection makes us try the next one
    outcome.duration_ms = int((time.monotonic() - started) * 1000)
    return outcome


def retry_delay(attempt_number: int) -> float:
    """Exponential backoff with full jitter: uniform(0, min(max, base * 4**(n-1)))."""
    ceiling = min(
        settings.WEBHOOKS_RETRY_MAX_SECONDS,
        settings.WEBHOOKS_RETRY_BASE_SECONDS * 4 ** (attempt_number - 1),
    )
    return random.uniform(0, ceiling)


def deliver(delivery_id: int) -> Outcome | None:
    """Claim and attempt one delivery; None when there was nothing to do."""
    token = claim(delivery_id)
    if token is None:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
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

    started_at = timezone.now()
    outcome = send(endpoint, delivery)
    now = timezone.now()
    number = delivery.attempts.count() + 1
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=number,
        started_at=started_at,
        duration_ms=outcome.duration_ms,
        status_code=outcome.status_code,
        response_body=outcome.response_body,
        error=outcome.error,
        success=outcome.success,
    )
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
        WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(
            failing_since=None
        )
    elif outcome.status_code == 410:
        update.update(
            status=Status.FAILED, completed_at=now, last_error="410 Gone: endpoint disabled"
        )
        disable(endpoint, "The endpoint answered 410 Gone.")
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
                delay = retry_delay(attempts)
            update.update(status=Status.PENDING, next_attempt_at=now + timedelta(seconds=delay))
            if delay <= COUNTDOWN_MAX_SECONDS:
                countdown = delay
        note_failure(endpoint, now)
    if owned.filter(status=Status.SENDING).update(**update) and countdown is not None:
        enqueue_delivery(delivery_id, countdown=countdown or None)
    return outcome


def note_failure(endpoint: WebhookEndpoint, now) -> None:
    """Track continuous failure; disable an endpoint failing for WEBHOOKS_DISABLE_AFTER_DAYS."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=now
    )
    cutoff = now - timedelta(days=settings.WEBHOOKS_DISABLE_AFTER_DAYS)
    since = (
        WebhookEndpoint.objects.filter(pk=endpoint.pk)
        .values_list("failing_since", flat=True)
        .first()
    )
    if since is not None and since <= cutoff:
        disable(
            endpoint,
            f"Every delivery failed since {iso(since)} "
            f"({settings.WEBHOOKS_DISABLE_AFTER_DAYS} days or more).",
        )


def disable(endpoint: WebhookEndpoint, reason: str) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk, enabled=True).update(
        enabled=False, disabled_reason=reason[:300], disabled_at=timezone.now()
    )
    logger.warning("webhook endpoint %s disabled: %s", endpoint.pk, reason)
