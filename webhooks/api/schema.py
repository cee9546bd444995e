"""OpenAPI descriptions of the webhooks API: its bodies, as ``serializers.py`` renders them.

The views build plain dicts (camelCase, like the sessions API); these serializers only describe
those dicts for drf-spectacular, so generated clients send and read the real shapes.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from conversations.api.schema import error
from webhooks.models import WebhookDelivery

TAGS = ["webhooks"]


class WebhookInput(serializers.Serializer):
    url = serializers.URLField(help_text="An https URL (http only to allowed hosts).")
    events = serializers.ListField(
        child=serializers.CharField(),
        min_length=1,
        help_text='Event names from GET /webhooks/events, or ["*"] for every event.',
    )
    description = serializers.CharField(required=False, allow_blank=True)


class WebhookUpdateInput(serializers.Serializer):
    url = serializers.URLField(required=False)
    events = serializers.ListField(child=serializers.CharField(), required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    enabled = serializers.BooleanField(required=False)


class WebhookOut(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    description = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    enabled = serializers.BooleanField()
    disabledReason = serializers.CharField(allow_null=True)
    disabledAt = serializers.DateTimeField(allow_null=True)
    failingSince = serializers.DateTimeField(allow_null=True)
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()


class WebhookWithSecretOut(WebhookOut):
    secret = serializers.CharField(
        help_text="The signing secret (whsec_…): shown in this answer only."
    )


class WebhookListOut(serializers.Serializer):
    webhooks = WebhookOut(many=True)


class WebhookEventsOut(serializers.Serializer):
    events = serializers.ListField(child=serializers.CharField())
    all = serializers.CharField(help_text='"*": every event.')


class DeliveryOut(serializers.Serializer):
    id = serializers.IntegerField()
    webhookId = serializers.IntegerField()
    eventId = serializers.CharField()
    event = serializers.CharField()
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices)
    attempts = serializers.IntegerField()
    nextAttemptAt = serializers.DateTimeField(allow_null=True)
    lastStatusCode = serializers.IntegerField(allow_null=True)
    lastError = serializers.CharField(allow_null=True)
    createdAt = serializers.DateTimeField()
    completedAt = serializers.DateTimeField(allow_null=True)
    payload = serializers.DictField(
        required=False, help_text="The signed body (not in the delivery list)."
    )


class DeliveryListOut(serializers.Serializer):
    deliveries = DeliveryOut(many=True)
    nextCursor = serializers.CharField(
        allow_null=True, help_text="Pass as `cursor` for the next page; null on the last."
    )
    nextBefore = serializers.IntegerField(
        allow_null=True,
        help_text="Deprecated (use nextCursor): the last delivery's id, for `before`; null "
        "when the page is empty.",
    )


class AttemptOut(serializers.Serializer):
    number = serializers.IntegerField()
    startedAt = serializers.DateTimeField()
    durationMs = serializers.IntegerField(allow_null=True)
    statusCode = serializers.IntegerField(allow_null=True)
    success = serializers.BooleanField()
    responseBody = serializers.CharField(allow_blank=True)
    error = serializers.CharField(allow_null=True)


class AttemptListOut(serializers.Serializer):
    attempts = AttemptOut(many=True)


FORBIDDEN = error(403, "Plain agents may not manage webhooks (FORBIDDEN).")
BAD_INPUT = error(
    400,
    "Invalid url, events or enabled (VALIDATION_ERROR, WEBHOOK_URL_REFUSED, TOO_MANY_WEBHOOKS).",
)
NOT_FOUND = error(
    404, "Unknown or foreign webhook or delivery (WEBHOOK_NOT_FOUND, WEBHOOK_DELIVERY_NOT_FOUND)."
)
STILL_SENDING = error(
    409, "The delivery is pending or being sent: it cannot be replayed yet (CONFLICT)."
)
ACCEPTED = "Queued: the delivery, sent in the background (202)."


def describe(operation_id: str, summary: str, *, request=None, responses=None, parameters=None):
    """``extend_schema`` for one webhooks operation (403 for plain agents on every one)."""
    return extend_schema(
        operation_id=operation_id,
        tags=TAGS,
        summary=summary,
        request=request,
        parameters=parameters,
        responses={**(responses or {}), 403: FORBIDDEN},
    )


DELIVERY_FILTERS = [
    OpenApiParameter(
        "status",
        str,
        enum=list(WebhookDelivery.Status.values),
        description="Only deliveries in this status.",
    ),
    OpenApiParameter("cursor", str, description="`nextCursor` of the previous page."),
    OpenApiParameter(
        "before",
        int,
        deprecated=True,
        description="Deprecated: use `cursor`. Deliveries older than this delivery id.",
    ),
    OpenApiParameter("limit", int, description="Page size, 1-100 (default 50)."),
]
