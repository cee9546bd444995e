"""OpenAPI descriptions of the channels API: its bodies, as ``serializers.py`` renders them.

The views build plain dicts; these serializers only describe them for drf-spectacular.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from conversations.api.schema import error
from customer_channels.models import Channel, OutboundMessage

TAGS = ["channels"]


class ChannelInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Channel.Kind.choices)
    name = serializers.CharField(required=False, allow_blank=True)
    settings = serializers.DictField(required=False, help_text="Per kind: see docs/channels.md.")
    credentials = serializers.DictField(required=False, help_text="Write-only secrets.")


class ChannelUpdateInput(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True)
    settings = serializers.DictField(required=False)
    credentials = serializers.DictField(required=False)
    enabled = serializers.BooleanField(required=False)


class ChannelOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Channel.Kind.choices)
    name = serializers.CharField()
    settings = serializers.DictField()
    credentials_set = serializers.ListField(
        child=serializers.CharField(), help_text="Names of the credentials stored (not values)."
    )
    enabled = serializers.BooleanField()
    inbound_url = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ChannelCreatedOut(ChannelOut):
    secrets = serializers.DictField(help_text="Secrets PingBack generated: shown this once.")


class ChannelListOut(serializers.Serializer):
    channels = ChannelOut(many=True)


class ConnectOut(serializers.Serializer):
    connected = serializers.BooleanField()
    error = serializers.CharField(allow_null=True)


class OutboundOut(serializers.Serializer):
    id = serializers.IntegerField()
    message_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=OutboundMessage.Status.choices)
    attempt_count = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(allow_blank=True)
    external_id = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


class OutboundListOut(serializers.Serializer):
    outbound = OutboundOut(many=True)


class InboundInput(serializers.Serializer):
    # "from" is a Python keyword: the field is renamed in the schema below.
    sender = serializers.CharField(help_text="The customer's address on your system.")
    message_id = serializers.CharField(help_text="Your id of the message (deduplicates).")
    text = serializers.CharField()
    name = serializers.CharField(required=False)
    email = serializers.CharField(required=False)


InboundInput._declared_fields["from"] = InboundInput._declared_fields.pop("sender")


class InboundOut(serializers.Serializer):
    created = serializers.BooleanField(help_text="False for a message_id already received.")
    message = serializers.DictField(help_text="The stored message.")


FORBIDDEN = error(403, "Plain agents may not manage channels (FORBIDDEN).")
BAD_INPUT = error(400, "Invalid kind, settings or credentials (VALIDATION_ERROR, …).")


def describe(operation_id: str, summary: str, *, request=None, responses=None, parameters=None):
    """``extend_schema`` for one channels operation (403 for plain agents on every one)."""
    return extend_schema(
        operation_id=operation_id,
        tags=TAGS,
        summary=summary,
        request=request,
        parameters=parameters,
        responses={**(responses or {}), 403: FORBIDDEN},
    )


OUTBOUND_FILTERS = [
    OpenApiParameter(
        "status", str, enum=list(OutboundMessage.Status.values), description="Only this status."
    )
]
