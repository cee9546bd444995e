"""Managing webhook endpoints: the only code that changes them (REST, admin and tests call it).

``access_*`` fetch within one business (a foreign id and an unknown id both raise NotFound);
the rest write in a transaction. Sending work is enqueued on commit only.
"""

import json
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from conversations import errors
from conversations.access import int_id
from conversations.models import Business
from conversations.snapshots import iso
from conversations.validation import check_text
from webhooks import delivery as webhook_delivery
from webhooks import payloads, signing, ssrf, subscribers
from webhooks.models import WebhookDelivery, WebhookEndpoint

MAX_ENDPOINTS_PER_BUSINESS = 50
# After a rotation the old secret still signs (as a second signature) for this long.
PREVIOUS_SECRET_GRACE = timedelta(hours=24)


class WebhookNotFound(errors.NotFound):
    code = "WEBHOOK_NOT_FOUND"


class DeliveryNotFound(errors.NotFound):
    code = "WEBHOOK_DELIVERY_NOT_FOUND"


def access_endpoint(business: Business, endpoint_id) -> WebhookEndpoint:
    pk = int_id(endpoint_id)
    endpoint = WebhookEndpoint.objects.filter(business=business, pk=pk).first() if pk else None
    if endpoint is None:
        raise WebhookNotFound("Webhook not found.")
    return endpoint


def access_delivery(endpoint: WebhookEndpoint, delivery_id) -> WebhookDelivery:
    pk = int_id(delivery_id)
    delivery = (
        WebhookDelivery.objects.filter(endpoint=endpoint, business_id=endpoint.business_id, pk=pk)
        .select_related("endpoint")
        .first()
        if pk
        else None
    )
    if delivery is None:
        raise DeliveryNotFound("Delivery not found.")
    return delivery


def clean_url(url) -> str:
    if isinstance(url, str) and len(url) > 2000:
        raise errors.ValidationFailed("url is longer than 2000 characters.", field="url")
    ssrf.resolve(url)  # raises UnsafeURL (400) with the reason
    return url


def clean_events(events) -> list[str]:
    if not isinstance(events, list) or not events:
        raise errors.ValidationFailed(
            "events must be a non-empty list of event names.", field="events"
        )
    cleaned: list[str] = []
    for name in events:
        if name != payloads.ALL and name not in payloads.CATALOGUE:
            raise errors.ValidationFailed(
                f"Unknown event {name!r}; expected {payloads.ALL!r} or one of "
                f"{', '.join(payloads.CATALOGUE)}.",
                field="events",
            )
        if name not in cleaned:
            cleaned.append(name)
    return [payloads.ALL] if payloads.ALL in cleaned else cleaned


def clean_description(description) -> str:
    if description is None:
        return ""
    if not isinstance(description, str) or len(description) > 200:
        raise errors.ValidationFailed(
            "description must be a string of at most 200 characters.", field="description"
        )
    return check_text(description, "description")


def create_endpoint(
    business: Business, *, url, events, description=None
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its signing secret (shown to the caller once)."""
    events, description = clean_events(events), clean_description(description)
    url = clean_url(url)  # last: it resolves the host
    with transaction.atomic():
        if WebhookEndpoint.objects.filter(business=business).count() >= MAX_ENDPOINTS_PER_BUSINESS:
            raise errors.ValidationFailed(
                f"A business may have at most {MAX_ENDPOINTS_PER_BUSINESS} webhooks.",
                code="TOO_MANY_WEBHOOKS",
            )
        secret = signing.generate_secret()
        endpoint = WebhookEndpoint.objects.create(
            business=business, url=url, events=events, description=description, secret=secret
        )
    subscribers.forget(business.public_id)  # its events are fanned out from now on
    return endpoint, secret


def update_endpoint(
    endpoint: WebhookEndpoint, *, url=None, events=None, description=None, enabled=None
) -> WebhookEndpoint:
    changes = {}
    if url is not None:
        changes["url"] = clean_url(url)
    if events is not None:
        changes["events"] = clean_events(events)
    if description is not None:
        changes["description"] = clean_description(description)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        for field, value in changes.items():
            setattr(endpoint, field, value)
        endpoint.save()
    if enabled is not None:
        endpoint = set_enabled(endpoint, enabled)
    return endpoint


def set_enabled(endpoint: WebhookEndpoint, enabled, reason: str = "") -> WebhookEndpoint:
    if not isinstance(enabled, bool):
        raise errors.ValidationFailed("enabled must be true or false.", field="enabled")
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if endpoint.enabled != enabled:
            endpoint.enabled = enabled
            endpoint.disabled_at = None if enabled else timezone.now()
            endpoint.disabled_reason = "" if enabled else (reason or "Disabled by its owner.")
            # A fresh start: the failure streak that may have disabled it is forgotten.
            endpoint.failing_since = None
            endpoint.save()
    if enabled:
        subscribers.forget(endpoint.business.public_id)
    return endpoint


def delete_endpoint(endpoint: WebhookEndpoint) -> None:
    with transaction.atomic():
        # Lock the endpoint's deliveries before the cascade collects their attempts: an attempt
        # recorded at the same moment (its insert needs a key-share lock on the delivery) then
        # waits for this delete and fails, instead of slipping in between the collection and
        # the commit, where it made the delete itself fail (a foreign-key violation, a 500).
        list(
            WebhookDelivery.objects.select_for_update()
            .filter(endpoint=endpoint)
            .values_list("pk", flat=True)
        )
        endpoint.delete()


def rotate_secret(endpoint: WebhookEndpoint) -> tuple[WebhookEndpoint, str]:
    """A new secret; the old one keeps signing alongside it for PREVIOUS_SECRET_GRACE."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = timezone.now() + PREVIOUS_SECRET_GRACE
        endpoint.secret = signing.generate_secret()
        endpoint.save()
    return endpoint, endpoint.secret


def _dispatch_on_commit(delivery_id: int) -> None:
    # Looked up at call time: tests replace webhook_delivery.enqueue_delivery.
    transaction.on_commit(lambda: webhook_delivery.enqueue_delivery(delivery_id))


def send_test_event(endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a ``webhook.test`` delivery to this (enabled) endpoint."""
    if not endpoint.enabled:
        raise errors.Conflict("Enable the webhook before sending it a test event.")
    webhook_id = f"evt_test_{uuid.uuid4().hex}"
    now = timezone.now()
    data = {"webhookId": endpoint.pk, "message": "This is a test event from PingBack."}
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            business_id=endpoint.business_id,
            endpoint=endpoint,
            event_id=None,
            webhook_id=webhook_id,
            event_type=payloads.WEBHOOK_TEST,
            body=payloads.body(
                webhook_id, payloads.WEBHOOK_TEST, iso(now), endpoint.business.public_id, data
            ),
            next_attempt_at=now,
        )
        _dispatch_on_commit(delivery.pk)
    return delivery


def replay_delivery(delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a finished delivery again (same webhook-id and body) with a fresh retry budget."""
    if not delivery.endpoint.enabled:
        raise errors.Conflict("Enable the webhook before replaying its deliveries.")
    with transaction.atomic():
        updated = WebhookDelivery.objects.filter(
            pk=delivery.pk,
            status__in=[WebhookDelivery.Status.FAILED, WebhookDelivery.Status.SUCCEEDED],
        ).update(
            status=WebhookDelivery.Status.PENDING,
            attempt_count=0,
            next_attempt_at=timezone.now(),
            completed_at=None,
            locked_until=None,
        )
        if not updated:
            raise errors.Conflict("This delivery is still being sent; it cannot be replayed yet.")
        _dispatch_on_commit(delivery.pk)
    delivery.refresh_from_db()
    return delivery


def payload_of(delivery: WebhookDelivery) -> dict:
    return json.loads(delivery.body)
