"""What a failed attempt means for the delivery and its endpoint: backoff, giving up, disabling."""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from conversations.snapshots import iso
from webhooks.models import WebhookEndpoint

logger = logging.getLogger(__name__)

# A delivery whose endpoint (or business) already has its share of attempts in flight is
# due again after a random wait in this range (seconds); no attempt is counted.
BUSY_RETRY_SECONDS = (1.0, 3.0)


def retry_delay(
    attempt_number: int, base: float | None = None, maximum: float | None = None
) -> float:
    """Exponential backoff with full jitter: uniform(0, min(max, base * 4**(n-1))).

    ``base`` and ``maximum`` default to the webhook settings (channels pass their own)."""
    base = settings.WEBHOOKS_RETRY_BASE_SECONDS if base is None else base
    maximum = settings.WEBHOOKS_RETRY_MAX_SECONDS if maximum is None else maximum
    return random.uniform(0, min(maximum, base * 4 ** (attempt_number - 1)))


def busy_delay() -> float:
    return random.uniform(*BUSY_RETRY_SECONDS)


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


def due_ids(model, *, limit: int, grace_seconds: float) -> list[int]:
    """Ids of an outbox's rows to send now, oldest first: pending and due for more than
    ``grace_seconds`` (not picked up), or sending with an expired lease. Shared by the webhook
    deliveries and the channels' outbound messages (same status, due and lease columns)."""
    now = timezone.now()
    return list(
        model.objects.filter(
            Q(
                status=model.Status.PENDING,
                next_attempt_at__lte=now - timedelta(seconds=grace_seconds),
            )
            | Q(status=model.Status.SENDING, locked_until__lt=now)
        )
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )
