"""Request and response shapes of the REST API (``/api/v1/``).

Serializers only validate and render; every change goes through ``conversations.actions``.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from attachments.api import AttachmentOut, attachments_of
from conversations.actions.messages import CLIENT_ID_MAX
from conversations.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from conversations.models import Agent, ApiKey, Business, Conversation, Customer, Message
from conversations.snapshots import attachment_snapshots
from teamtools.queries import labels_for


class StrictCharField(serializers.CharField):
    """A string, and only a string: DRF's CharField would turn ``5`` or ``true`` into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="Short title of the HTTP status, e.g. 'Not found'.")
    message = serializers.CharField(help_text="What went wrong, for people.")
    code = serializers.CharField(help_text="Stable machine code, e.g. CONVERSATION_NOT_FOUND.")
    details = serializers.JSONField(required=False, help_text="Field errors or extra context.")


# --- Output -------------------------------------------------------------------------------


class AgentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")
    email = serializers.EmailField(source="user.email")

    class Meta:
        model = Agent
        fields = ["id", "user_id", "name", "email", "role", "status", "status_changed_at"]
        read_only_fields = fields


class AgentSummarySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")
    email = serializers.EmailField(source="user.email")

    class Meta:
        model = Agent
        fields = ["id", "name", "email", "role", "status"]
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    # Customers may have no email: "" then, so not declared as format: email.
    email = serializers.CharField(help_text="The customer's email address, or empty.")

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "email",
            "external_id",
            "metadata",
            "identified_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CustomerSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "name", "email", "external_id"]
        read_only_fields = fields


class LabelSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    color = serializers.CharField(read_only=True, help_text="#rrggbb")


class ConversationSerializer(serializers.ModelSerializer):
    customer = CustomerSummarySerializer()
    assignee = AgentSummarySerializer(allow_null=True)
    first_response_seconds = serializers.FloatField(allow_null=True)
    labels = serializers.SerializerMethodField(help_text="The conversation's labels, by name.")

    @extend_schema_field(LabelSerializer(many=True))
    def get_labels(self, conv) -> list:
        labels = getattr(conv, "labels", None)  # a list page loads them at once
        if labels is None:
            labels = labels_for([conv])[conv.pk]
        return LabelSerializer(labels, many=True).data

    class Meta:
        model = Conversation
        fields = [
            "id",
            "customer",
            "channel_type",
            "status",
            "assignee",
            "needs_human_handoff",
            "handoff_reason",
            "handoff_requested_at",
            "ai_enabled",
            "metadata",
            "first_message_text",
            "last_message_text",
            "message_count",
            "created_at",
            "updated_at",
            "last_activity_at",
            "assigned_at",
            "resolved_at",
            "closed_at",
            "first_response_at",
            "first_response_seconds",
            "snoozed_until",
            "labels",
        ]
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer):
    attachments = serializers.SerializerMethodField(
        help_text="Files of an attachment message (`content` is then its caption); URLs "
        "carry their own signature and expire (ATTACHMENTS_LINK_MAX_AGE)."
    )

    @extend_schema_field(AttachmentOut(many=True))
    def get_attachments(self, msg) -> list:
        return attachments_of({"attachments": attachment_snapshots(msg)})

    class Meta:
        model = Message
        fields = [
            "id",
            "conversation_id",
            "sender_type",
            "sender_agent_id",
            "sender_api_key_id",
            "is_ai",
            "content_type",
            "content",
            "attachments",
            "client_id",
            "created_at",
            "delivered_at",
            "read_at",
        ]
        read_only_fields = fields


class ApiKeySerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(source="is_active")

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "active", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class NewApiKeySerializer(ApiKeySerializer):
    key = serializers.CharField(help_text="The secret. Shown only in this response.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


def page_serializer(name: str, item):
    """The documented shape of a cursor page of ``item``."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "results": item(many=True),
            "next_cursor": serializers.CharField(allow_null=True),
            "next": serializers.URLField(allow_null=True),
            "__module__": __name__,
        },
    )


ConversationPageSerializer = page_serializer("ConversationPage", ConversationSerializer)
MessagePageSerializer = page_serializer("MessagePage", MessageSerializer)
CustomerPageSerializer = page_serializer("CustomerPage", CustomerSerializer)


class ConversationListSerializer(serializers.Serializer):
    results = ConversationSerializer(many=True)


class AgentListSerializer(serializers.Serializer):
    results = AgentSerializer(many=True)


class ApiKeyListSerializer(serializers.Serializer):
    results = ApiKeySerializer(many=True)


class ReceiptSerializer(serializers.Serializer):
    message_id = serializers.IntegerField()
    read_at = serializers.DateTimeField()


class ReadResultSerializer(serializers.Serializer):
    receipts = ReceiptSerializer(many=True)


class BusinessSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id", help_text="The public business_id.")
    name = serializers.CharField()
    plan = serializers.CharField()


class MembershipSerializer(serializers.Serializer):
    agent_id = serializers.IntegerField(source="pk")
    role = serializers.CharField()
    status = serializers.CharField()
    business = BusinessSerializer()


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()


class MeSerializer(serializers.Serializer):
    user = UserSerializer(allow_null=True)
    business = BusinessSerializer()
    agent = AgentSerializer(allow_null=True)
    api_key = ApiKeySerializer(allow_null=True)
    memberships = MembershipSerializer(many=True)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class AccessTokenSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField(required=False)


# --- Input --------------------------------------------------------------------------------


class LimitCursorSerializer(serializers.Serializer):
    cursor = StrictCharField(required=False, help_text="next_cursor of the previous page.")
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT
    )


class ConversationFilterSerializer(LimitCursorSerializer):
    status = serializers.ChoiceField(choices=Conversation.Status.values, required=False)
    assignee = serializers.RegexField(
        r"^(me|[1-9][0-9]{0,17})$",
        required=False,
        help_text="An agent id, or `me` (agent tokens only).",
    )
    unassigned = serializers.BooleanField(required=False, allow_null=True, default=None)
    needs_human_handoff = serializers.BooleanField(required=False, allow_null=True, default=None)
    channel = serializers.ChoiceField(choices=Conversation.Channel.values, required=False)
    customer = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    updated_since = serializers.DateTimeField(
        required=False, help_text="ISO 8601; conversations updated at or after this time."
    )
    label = StrictCharField(
        required=False,
        max_length=40,
        help_text="Only conversations with this label (its name, any case, or its id).",
    )
    q = StrictCharField(
        required=False,
        max_length=200,
        help_text="Only conversations a search for this finds (see GET /search).",
    )


class MessageFilterSerializer(LimitCursorSerializer):
    after = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        help_text="Only messages after this id, oldest first (for catching up).",
    )


class CustomerFilterSerializer(LimitCursorSerializer):
    email = StrictCharField(required=False, max_length=254)
    external_id = StrictCharField(required=False, max_length=200)


class TokenObtainSerializer(serializers.Serializer):
    email = StrictCharField(max_length=254)
    password = StrictCharField(max_length=256, trim_whitespace=False)
    otp = StrictCharField(
        max_length=20,
        required=False,
        help_text="With two-factor login on: the authenticator app's code, or a recovery code.",
    )


class TokenRefreshSerializer(serializers.Serializer):
    refresh = StrictCharField(max_length=4096)


class ConversationCreateSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    channel_type = serializers.ChoiceField(
        choices=Conversation.Channel.values, default=Conversation.Channel.API
    )
    message = StrictCharField(
        required=False, trim_whitespace=False, help_text="Optional opening message."
    )
    client_id = StrictCharField(
        required=False, max_length=CLIENT_ID_MAX, help_text="Idempotency key of the opening."
    )
    agent_id = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="API keys: the agent who writes the opening message (required with one).",
    )
    assignee_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    metadata = serializers.DictField(required=False)


class AssignSerializer(serializers.Serializer):
    agent_id = serializers.IntegerField(
        allow_null=True, min_value=1, max_value=2**63 - 1, help_text="null unassigns."
    )


class HandoffSerializer(serializers.Serializer):
    reason = StrictCharField(required=False, allow_blank=True, max_length=200, default="")


class MessageCreateSerializer(serializers.Serializer):
    content = StrictCharField(trim_whitespace=False)
    client_id = StrictCharField(
        required=False,
        max_length=CLIENT_ID_MAX,
        help_text="Idempotency key (or send the Idempotency-Key header).",
    )
    agent_id = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="API keys: the agent the message is sent as (required). Ignored for agents.",
    )


class MarkReadSerializer(serializers.Serializer):
    up_to = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="Mark customer messages up to this id; all when omitted.",
    )


class CustomerUpdateSerializer(serializers.Serializer):
    name = StrictCharField(required=False, allow_blank=True, max_length=200)
    email = StrictCharField(required=False, allow_blank=True, max_length=254)
    external_id = StrictCharField(required=False, allow_blank=True, max_length=200)
    metadata = serializers.DictField(required=False, help_text="Merged into the stored metadata.")


class AgentStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Agent.Status.values)


class ApiKeyCreateSerializer(serializers.Serializer):
    name = StrictCharField(max_length=100)


class BusinessSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = Business
        fields = [
            "public_id",
            "name",
            "timezone",
            "auto_assign_mode",
            "auto_assign_capacity",
            "csat_enabled",
        ]
        read_only_fields = ["public_id", "name"]


class BusinessSettingsUpdateSerializer(serializers.Serializer):
    timezone = StrictCharField(max_length=64, required=False)
    auto_assign_mode = serializers.ChoiceField(choices=Business.AutoAssign.values, required=False)
    auto_assign_capacity = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    csat_enabled = serializers.BooleanField(required=False)
