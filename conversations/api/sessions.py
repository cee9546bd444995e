"""PocketPing-style sessions: the same conversations, seen through the seed's camelCase API.

Objects are rendered by ``conversations.pocketping`` (which documents the mapping), the one
renderer the ``/ws`` stream and webhooks use too; the serializers below declare the shapes
for the OpenAPI schema.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from attachments import api as attachments_api
from conversations import access, actions, errors, pocketping
from conversations.api.pagination import MAX_LIMIT, page_by_activity, page_by_id
from conversations.api.parsers import BoundedJSONParser
from conversations.api.schema import error
from conversations.api.serializers import StrictCharField
from conversations.api.views import IDEMPOTENCY_HEADER, ApiView
from conversations.models import Conversation, Message
from conversations.snapshots import conversation_snapshot, customer_snapshot, message_snapshot

S = Conversation.Status
ACTIVE = (S.OPEN, S.PENDING)
MESSAGE_TYPES = ("visitor", "operator", "ai", "system")


class SessionSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The conversation id, as a string.")
    visitorId = serializers.CharField(help_text="The customer id, as a string.")
    projectId = serializers.CharField(source="business.public_id")
    status = serializers.ChoiceField(
        choices=["active", "closed"], help_text="open/pending: active; resolved/closed: closed."
    )
    createdAt = serializers.DateTimeField(source="created_at")
    lastActivity = serializers.DateTimeField(source="last_activity_at")
    metadata = serializers.DictField(help_text="Conversation metadata, keys in camelCase.")
    channel = serializers.CharField(source="channel_type")
    conversationStatus = serializers.CharField(source="status")
    aiEnabled = serializers.BooleanField(source="ai_enabled")
    needsHumanHandoff = serializers.BooleanField(source="needs_human_handoff")
    assigneeId = serializers.IntegerField(source="assignee_id", allow_null=True)

    def to_representation(self, conv) -> dict:
        return pocketping.session(conversation_snapshot(conv))


class SessionMessageSerializer(serializers.Serializer):
    id = serializers.CharField()
    sessionId = serializers.CharField()
    content = serializers.CharField()
    type = serializers.ChoiceField(choices=MESSAGE_TYPES, source="kind")
    createdAt = serializers.DateTimeField(source="created_at")
    deliveredAt = serializers.DateTimeField(source="delivered_at", allow_null=True)
    readAt = serializers.DateTimeField(source="read_at", allow_null=True)
    text = serializers.CharField(help_text="The text, or an attachment message's caption.")
    attachments = attachments_api.PocketPingAttachmentOut(many=True)

    def to_representation(self, msg) -> dict:
        # PocketPing messages name no author: skip the name lookup.
        return pocketping.message(message_snapshot(msg, sender_name=""))


class VisitorSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    email = serializers.CharField()
    customerId = serializers.CharField(source="external_id", allow_null=True)
    metadata = serializers.JSONField()
    identifiedAt = serializers.DateTimeField(source="identified_at", allow_null=True)

    def to_representation(self, customer) -> dict:
        return pocketping.visitor(customer_snapshot(customer))


class SessionListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=["active", "closed"], required=False)
    cursor = serializers.CharField(required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT, default=25)


class SessionMessagesQuery(serializers.Serializer):
    after = serializers.IntegerField(
        required=False, min_value=0, max_value=2**63 - 1, help_text="Messages after this id."
    )
    cursor = serializers.CharField(required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT, default=100)


class SendMessageInput(serializers.Serializer):
    content = StrictCharField(trim_whitespace=False)
    type = serializers.ChoiceField(choices=MESSAGE_TYPES, default="operator")
    agentId = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="API keys sending type operator: the agent who writes (without it, the key "
        "itself is the sender).",
    )
    agent_id = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="The same as agentId (the conversations API's spelling).",
    )
    clientId = StrictCharField(required=False, max_length=100)

    def validate(self, attrs):
        alias = attrs.pop("agent_id", None)
        if alias is not None:
            if attrs.get("agentId") not in (None, alias):
                raise serializers.ValidationError(
                    {"agentId": "agentId and agent_id name different agents; pass one."}
                )
            attrs["agentId"] = alias
        return attrs


class IdentifyInput(serializers.Serializer):
    email = StrictCharField(required=False, allow_blank=True, max_length=254)
    name = StrictCharField(required=False, allow_blank=True, max_length=200)
    customerId = StrictCharField(required=False, allow_blank=True, max_length=200)
    metadata = serializers.DictField(required=False)


class AiInput(serializers.Serializer):
    enabled = serializers.BooleanField()


SessionListOutput = inline_serializer(
    "SessionList",
    {
        "sessions": SessionSerializer(many=True),
        "nextCursor": serializers.CharField(allow_null=True),
    },
)
MessageListOutput = inline_serializer(
    "SessionMessageList",
    {
        "messages": SessionMessageSerializer(many=True),
        "nextCursor": serializers.CharField(allow_null=True),
    },
)
SESSION_ID = OpenApiParameter("session_id", str, OpenApiParameter.PATH, description="Session id.")


class SessionView(ApiView):
    def session(self, session_id) -> Conversation:
        try:
            return self.conversation(session_id)
        except errors.ConversationNotFound:
            raise errors.NotFound("Session not found", code="SESSION_NOT_FOUND") from None


class SessionListView(SessionView):
    @extend_schema(
        tags=["sessions"],
        summary="List sessions",
        operation_id="sessions_list",
        description="Most recent activity first. status active = open or pending; closed = "
        "resolved or closed.",
        parameters=[SessionListQuery],
        responses={200: SessionListOutput},
    )
    def get(self, request):
        q = self.validated(SessionListQuery)
        qs = access.visible_conversations(self.caller.agent, self.caller.business)
        if q.get("status") == "active":
            qs = qs.filter(status__in=ACTIVE)
        elif q.get("status") == "closed":
            qs = qs.exclude(status__in=ACTIVE)
        items, cursor = page_by_activity(
            qs.select_related("business", "customer", "assignee__user", "rating"),
            q.get("cursor"),
            q["limit"],
        )
        return Response(
            {"sessions": SessionSerializer(items, many=True).data, "nextCursor": cursor}
        )


class SessionDetailView(SessionView):
    @extend_schema(
        tags=["sessions"],
        summary="Get a session",
        parameters=[SESSION_ID],
        responses={200: SessionSerializer},
    )
    def get(self, request, session_id):
        return Response(SessionSerializer(self.session(session_id)).data)


class SessionCloseView(SessionView):
    @extend_schema(
        tags=["sessions"],
        summary="Close a session",
        description="Closes the conversation; an already closed one is a 409.",
        parameters=[SESSION_ID],
        request=None,
        responses={200: SessionSerializer, 409: error(409)},
    )
    def post(self, request, session_id):
        conv = actions.do_close(self.session(session_id), actor=self.caller.actor)
        return Response(SessionSerializer(conv).data)


class SessionMessagesView(SessionView):
    parser_classes = [BoundedJSONParser, MultiPartParser]  # multipart: attachments

    @extend_schema(
        tags=["sessions"],
        summary="List a session's messages",
        description="Oldest first; `after=<message id>` to catch up.",
        parameters=[SESSION_ID, SessionMessagesQuery],
        responses={200: MessageListOutput},
    )
    def get(self, request, session_id):
        q = self.validated(SessionMessagesQuery)
        conv = self.session(session_id)
        qs = Message.objects.filter(conversation=conv)
        if q.get("after") is not None:
            qs = qs.filter(pk__gt=q["after"])
        items, cursor = page_by_id(qs, q.get("cursor"), q["limit"], descending=False)
        return Response(
            {"messages": SessionMessageSerializer(items, many=True).data, "nextCursor": cursor}
        )

    @extend_schema(
        tags=["sessions"],
        summary="Send a message",
        description="type visitor: as the session's visitor; operator: as the calling agent, "
        "or for an API key the agent it names with agentId (agent_id also accepted), else the "
        "key itself (shown by its name); ai: a system message marked as AI; system: a system "
        "notice. "
        "Idempotent with Idempotency-Key or clientId (a retry answers 200).",
        parameters=[SESSION_ID, IDEMPOTENCY_HEADER],
        request={
            "application/json": SendMessageInput,
            "multipart/form-data": attachments_api.MultipartSessionMessage,
        },
        examples=[attachments_api.MULTIPART_EXAMPLE],
        responses={
            201: SessionMessageSerializer,
            200: SessionMessageSerializer,
            403: error(403, "Plain agents send type operator only (FORBIDDEN)."),
        },
    )
    def post(self, request, session_id):
        conv = self.session(session_id)
        files = None
        if attachments_api.is_multipart(request):
            data, files = attachments_api.parse_multipart(request, SendMessageInput)
            if data["type"] not in ("visitor", "operator"):
                raise errors.ValidationFailed(
                    "Files are sent by the visitor or an operator.", field="type"
                )
        else:
            data = self.body(SendMessageInput)
        kind = data["type"]
        agent_caller = self.caller.agent
        if kind != "operator" and agent_caller is not None and not agent_caller.is_manager:
            # A plain agent speaks as themselves, never as the visitor, the AI or the system.
            raise errors.PermissionDenied(
                f"Agents may only send type operator, not {kind}.", field="type"
            )
        agent, api_key = (
            self.message_sender(data.get("agentId")) if kind == "operator" else (None, None)
        )
        sender = {
            "visitor": Message.SenderType.CUSTOMER,
            "operator": Message.SenderType.AGENT,
        }.get(kind, Message.SenderType.SYSTEM)
        message, created = actions.do_post_message(
            conv,
            sender_type=sender,
            content=data["content"],
            agent=agent,
            api_key=api_key,
            is_ai=kind == "ai",
            client_id=request.headers.get("Idempotency-Key") or data.get("clientId"),
            attachments=attachments_api.upload(
                conv,
                files,
                "customer" if kind == "visitor" else "agent",
                conv.customer_id if kind == "visitor" else agent and agent.pk,
            )
            if files
            else None,
        )
        return Response(
            SessionMessageSerializer(message).data,
            status=http.HTTP_201_CREATED if created else http.HTTP_200_OK,
        )


class SessionIdentifyView(SessionView):
    @extend_schema(
        tags=["sessions"],
        summary="Identify the visitor",
        description="Sets email, name and customerId; metadata is merged.",
        parameters=[SESSION_ID],
        request=IdentifyInput,
        responses={200: VisitorSerializer},
    )
    def post(self, request, session_id):
        conv = self.session(session_id)
        data = self.body(IdentifyInput)
        customer = actions.do_identify_customer(
            conv.customer,
            name=data.get("name"),
            email=data.get("email"),
            external_id=data.get("customerId"),
            metadata=data.get("metadata"),
            actor=self.caller.actor,
        )
        return Response(VisitorSerializer(customer).data)


class SessionAiView(SessionView):
    @extend_schema(
        tags=["sessions"],
        summary="Turn the AI assistant on or off",
        parameters=[SESSION_ID],
        request=AiInput,
        responses={200: SessionSerializer},
    )
    def post(self, request, session_id):
        conv = self.session(session_id)
        data = self.body(AiInput)
        conv = actions.do_set_ai_enabled(conv, data["enabled"], actor=self.caller.actor)
        return Response(SessionSerializer(conv).data)
