"""Webhook endpoints, their deliveries (the outbox) and every delivery attempt.

Nothing here saves itself: ``webhooks.actions`` manages endpoints and ``webhooks.outbox``
moves deliveries through their states.
"""

from django.db import models
from django.db.models import Q

from conversations.models import Business


class WebhookEndpoint(models.Model):
    """A URL of a business that receives the events it subscribed to, signed with its secret."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text='Event names, or ["*"] for all.')
    # Standard Webhooks secret ("whsec_" + base64). Kept in clear: it signs every delivery.
    secret = models.CharField(max_length=100, editable=False)
    # After a rotation the previous secret keeps signing (second signature) for a while.
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="First failure since the last success."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["business", "enabled"], name="webhook_business_enabled")]

    def __str__(self) -> str:
        return f"{self.url} ({'enabled' if self.enabled else 'disabled'})"

    def wants(self, event_name: str) -> bool:
        return "*" in self.events or event_name in self.events


class WebhookDelivery(models.Model):
    """One event for one endpoint. Written before any network call; claimed with a lease."""

    class Status(models.TextChoices):
        PENDING = "pending"  # due at next_attempt_at
        SENDING = "sending"  # claimed by a worker until locked_until
        SUCCEEDED = "succeeded"
        FAILED = "failed"  # gave up (attempts exhausted, 410, endpoint disabled)

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.BigIntegerField(
        null=True, blank=True, help_text="The EventLog id (empty for test events)."
    )
    webhook_id = models.CharField(max_length=64, help_text="The webhook-id header: evt_<id>.")
    event_type = models.CharField(max_length=60)
    body = models.TextField(help_text="The exact JSON body, identical on every attempt.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            # Fan-out is idempotent: the subscriber and the sweeper may both try.
            models.UniqueConstraint(
                fields=["endpoint", "event_id"],
                condition=Q(event_id__isnull=False),
                name="webhook_delivery_once_per_event",
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(fields=["endpoint", "-id"], name="webhook_delivery_endpoint"),
            # In-flight attempts per endpoint and per business (webhooks.limits, no Redis).
            models.Index(
                fields=["endpoint"], condition=Q(status="sending"), name="webhook_inflight_endpoint"
            ),
            models.Index(
                fields=["business"], condition=Q(status="sending"), name="webhook_inflight_business"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.webhook_id} {self.event_type} -> {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery, with what came back."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)
    success = models.BooleanField(default=False)

    class Meta:
        ordering = ["delivery_id", "number"]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}: {self.status_code or self.error}"


class FanoutCursor(models.Model):
    """A single row: every EventLog id up to ``last_event_id`` has its deliveries written."""

    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"fanned out up to event {self.last_event_id}"
