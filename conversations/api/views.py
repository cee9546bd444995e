"""REST views under /api/v1/: parse, resolve the caller, fetch with ``access_*``, call one
action, render. Sessions (the PocketPing-style view) live in ``sessions.py``."""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status as http
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer as JwtRefresh
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts import two_factor
from attachments import api as attachments_api
from conversations import access, actions, errors, tokens
from conversations.actions import Actor
from conversations.api import serializers as s
from conversations.api.bodies import json_object
from conversations.api.pagination import next_link, page_by_activity, page_by_id
from conversations.api.parsers import BoundedJSONParser
from conversations.api.permissions import IsManager
from conversations.api.schema import error
from conversations.auth import Caller
from conversations.models import ApiKey, Conversation, Message
from search import engine as search_engine
from teamtools.actions.outreach import do_start_outreach
from teamtools.queries import attach_labels, label_named

HANDOFF_LIST_MAX = 500
SEARCH_FILTER_MAX = 500  # ?q= on the list: the best matches
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Makes the send idempotent: a retry returns the stored message with 200.",
)


class ApiView(APIView):
    """Base of every PingBack REST view."""

    def initial(self, request, *args, **kwargs):
        # DRF checks throttles last; count refused requests (bad credentials, 403) as well,
        # so guessing keys or tokens is rate limited per IP.
        self._throttles_checked = False
        try:
            super().initial(request, *args, **kwargs)
        except Exception:
            if not self._throttles_checked:
                self.check_throttles(request)
            raise

    def check_throttles(self, request):
        self._throttles_checked = True
        super().check_throttles(request)

    @property
    def caller(self) -> Caller:
        return self.request.auth

    def validated(self, serializer_class, data=None) -> dict:
        # A plain dict: an empty ``?updated_since=`` is refused, not silently ignored.
        if data is None:
            # A misspelt or unsupported filter must not silently return everything.
            known = list(serializer_class().fields)
            unknown = sorted(set(self.request.query_params) - set(known))
            if unknown:
                expected = f"expected {', '.join(known)}" if known else "this takes none"
                raise errors.ValidationFailed(
                    f"Unknown query parameter {unknown[0]!r}; {expected}.",
                    code="UNKNOWN_PARAMETER",
                    field=unknown[0],
                )
        source = self.request.query_params.dict() if data is None else data
        serializer = serializer_class(data=source)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def body(self, serializer_class) -> dict:
        return self.validated(serializer_class, json_object(self.request))

    def conversation(self, pk) -> Conversation:
        return access.access_conversation(self.caller.business, pk, agent=self.caller.agent)

    def sending_agent(self, agent_id, field: str = "agent_id"):
        """The agent who acts: the caller itself, or for API keys the agent named by ``field``
        (required: notes and canned replies need a person)."""
        if self.caller.agent is not None:
            return self.caller.agent
        if agent_id is None:
            raise errors.ValidationFailed(
                f"API keys must name the agent: pass {field}.", code="AGENT_REQUIRED", field=field
            )
        return access.access_agent(self.caller.business, agent_id)

    def message_sender(self, agent_id):
        """Who an operator message is from, ``(agent, api_key)``: the calling agent; for an API
        key the agent it names, or else the key itself (it has no person behind it)."""
        if self.caller.agent is not None:
            return self.caller.agent, None
        if agent_id is None:
            return None, self.caller.api_key
        return access.access_agent(self.caller.business, agent_id), None

    def actor_for(self, agent=None) -> Actor:
        if self.caller.agent is not None:
            return self.caller.actor
        return Actor("api_key", agent=agent, api_key=self.caller.api_key)


def page_response(request, serializer_class, items, next_cursor) -> Response:
    return Response(
        {
            "results": serializer_class(items, many=True).data,
            "next_cursor": next_cursor,
            "next": next_link(request, next_cursor),
        }
    )


# --- Auth -------------------------------------------------------------------------------------


class TokenObtainView(ApiView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["auth"],
        summary="Log in as an agent",
        description="Email and password of an agent → an access JWT (Bearer) and a refresh token.",
        request=s.TokenObtainSerializer,
        responses={
            200: s.TokenPairSerializer,
            401: error(
                401,
                "Wrong email or password (INVALID_CREDENTIALS); two-factor login on and no "
                "otp (OTP_REQUIRED) or a wrong one (OTP_INVALID).",
            ),
            403: error(403, "The user is in no business (NO_BUSINESS)."),
        },
        auth=[],
    )
    def post(self, request):
        data = self.body(s.TokenObtainSerializer)
        users = get_user_model().objects.filter(email__iexact=data["email"].strip(), is_active=True)
        user = next((u for u in users if u.check_password(data["password"])), None)
        if user is None:
            if not users:
                make_password(data["password"])  # same cost whether or not the email exists
            raise errors.Unauthorized("Wrong email or password.", code="INVALID_CREDENTIALS")
        if two_factor.enabled_for(user):
            if not data.get("otp"):
                raise errors.Unauthorized(
                    "Two-factor login is on: send otp, the authenticator app's code.",
                    code="OTP_REQUIRED",
                )
            if not two_factor.verify(user, data["otp"]):
                raise errors.Unauthorized(
                    "The otp code is wrong or was used already.", code="OTP_INVALID"
                )
        if not access.memberships(user).exists():
            raise errors.PermissionDenied(
                "This user is not an agent of any business.", code="NO_BUSINESS"
            )
        refresh = RefreshToken.for_user(user)
        return Response({"access": str(refresh.access_token), "refresh": str(refresh)})


def refresh_user(raw: str):
    """The active user a valid, unrevoked refresh token names (401 TOKEN_INVALID otherwise)."""
    try:
        token = RefreshToken(raw)  # checks signature, expiry, type and the blacklist
    except TokenError:
        raise errors.Unauthorized(
            "The refresh token is invalid or expired.", code="TOKEN_INVALID"
        ) from None
    user = get_user_model().objects.filter(pk=token.get("user_id"), is_active=True).first()
    if user is None or token.get("hash_password") != get_md5_hash_password(user.password):
        raise errors.Unauthorized("The refresh token was revoked.", code="TOKEN_INVALID")
    return user, token


class TokenRefreshView(ApiView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["auth"],
        summary="Refresh an access token",
        request=s.TokenRefreshSerializer,
        responses={
            200: s.AccessTokenSerializer,
            401: error(401, "Invalid or expired refresh token (TOKEN_INVALID)."),
        },
        auth=[],
    )
    def post(self, request):
        data = self.body(s.TokenRefreshSerializer)
        refresh_user(data["refresh"])  # revoked by a password change or deactivation: 401
        serializer = JwtRefresh(data={"refresh": data["refresh"]})
        try:
            serializer.is_valid(raise_exception=True)
        except (TokenError, Exception) as exc:
            if isinstance(exc, errors.DomainError):
                raise
            raise errors.Unauthorized(
                "The refresh token is invalid or expired.", code="TOKEN_INVALID"
            ) from None
        return Response(serializer.validated_data)


class LogoutView(ApiView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["auth"],
        summary="Log out: revoke the refresh tokens (and the access token sent)",
        description=(
            "Blacklists every refresh token of the user the given refresh token names (every "
            "device), and the access JWT in the `Authorization` header if one is sent. "
            "Access tokens of other devices expire on their own (`JWT_ACCESS_MINUTES`)."
        ),
        request=s.TokenRefreshSerializer,
        responses={
            204: None,
            400: error(400, "No refresh token (VALIDATION_ERROR)."),
            401: error(401, "Invalid, expired or already revoked refresh token (TOKEN_INVALID)."),
            403: error(403, "The access token belongs to another user (FORBIDDEN)."),
        },
        auth=[],
    )
    def post(self, request):
        data = self.body(s.TokenRefreshSerializer)
        user, _ = refresh_user(data["refresh"])
        header = request.META.get("HTTP_AUTHORIZATION", "").split()
        access_token = None
        if len(header) == 2 and header[0].lower() == "bearer" and header[1].count(".") == 2:
            try:
                access_token = AccessToken(header[1])
            except TokenError:
                access_token = None
            if access_token is not None and str(access_token.get("user_id")) != str(user.pk):
                raise errors.PermissionDenied("That access token is another user's.")
        tokens.revoke_refresh_tokens(user)
        if access_token is not None:
            tokens.revoke_access_token(access_token)
        return Response(status=http.HTTP_204_NO_CONTENT)


class MeView(ApiView):
    @extend_schema(
        tags=["auth"],
        summary="Who am I",
        description="The caller: user, current business and agent (JWT) or API key, and "
        "every business the user works in.",
        responses={200: s.MeSerializer},
    )
    def get(self, request):
        caller = self.caller
        agent = caller.agent
        user = agent.user if agent else None
        return Response(
            s.MeSerializer(
                {
                    "user": (
                        {"id": user.pk, "email": user.email, "name": agent.display_name}
                        if user
                        else None
                    ),
                    "business": caller.business,
                    "agent": agent,
                    "api_key": caller.api_key,
                    "memberships": list(access.memberships(user)) if user else [],
                }
            ).data
        )


# --- Conversations ------------------------------------------------------------------------------


def filter_conversations(qs, f: dict, caller: Caller):
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("assignee"):
        if f["assignee"] == "me":
            if caller.agent is None:
                raise errors.ValidationFailed(
                    "assignee=me needs an agent token; API keys pass an agent id.",
                    field="assignee",
                )
            qs = qs.filter(assignee=caller.agent)
        else:
            qs = qs.filter(assignee_id=int(f["assignee"]))
    if f.get("unassigned") is not None:
        qs = qs.filter(assignee__isnull=f["unassigned"])
    if f.get("needs_human_handoff") is not None:
        qs = qs.filter(needs_human_handoff=f["needs_human_handoff"])
    if f.get("channel"):
        qs = qs.filter(channel_type=f["channel"])
    if f.get("customer"):
        qs = qs.filter(customer_id=f["customer"])
    if f.get("updated_since"):
        qs = qs.filter(updated_at__gte=f["updated_since"])
    if f.get("label"):
        label = label_named(caller.business, f["label"])
        if label is None:
            raise errors.ValidationFailed(f"No label {f['label']!r}.", field="label")
        qs = qs.filter(label_links__label=label)
    if f.get("q"):
        hits = search_engine.search(caller.agent, caller.business, f["q"], SEARCH_FILTER_MAX)
        qs = qs.filter(pk__in=[h.conversation_id for h in hits])
    return qs


class ConversationListView(ApiView):
    @extend_schema(
        tags=["conversations"],
        summary="List conversations",
        operation_id="conversations_list",
        description="Newest activity first (`-last_activity_at, -id`), cursor-paginated. "
        "Plain agents see conversations assigned to them and unassigned ones.",
        parameters=[s.ConversationFilterSerializer],
        responses={200: s.ConversationPageSerializer},
    )
    def get(self, request):
        f = self.validated(s.ConversationFilterSerializer)
        qs = access.visible_conversations(self.caller.agent, self.caller.business)
        qs = filter_conversations(qs, f, self.caller).select_related("customer", "assignee__user")
        items, cursor = page_by_activity(qs, f.get("cursor"), f["limit"])
        return page_response(request, s.ConversationSerializer, attach_labels(items), cursor)

    @extend_schema(
        tags=["conversations"],
        summary="Start a conversation (agent-initiated)",
        description="With an optional opening message sent by the calling agent (API keys "
        "name it with agent_id). Idempotent on client_id. The message reaches the customer: on "
        "`webchat`, their open widget switches to the new conversation at once (and a returning "
        "widget is offered it); on `email`, `whatsapp` or `telegram` it goes out through the "
        "business's channel. When the channel cannot reach this customer (never used the "
        "widget, no address, no such channel) nothing is stored and the answer is 422 "
        "CHANNEL_CANNOT_DELIVER.",
        request=s.ConversationCreateSerializer,
        responses={
            201: s.ConversationSerializer,
            200: s.ConversationSerializer,
            404: error(404, "Unknown customer_id, agent_id or assignee_id."),
            422: error(422, "The channel cannot reach this customer (CHANNEL_CANNOT_DELIVER)."),
        },
    )
    def post(self, request):
        data = self.body(s.ConversationCreateSerializer)
        business = self.caller.business
        customer = access.access_customer(business, data["customer_id"])
        assignee = (
            access.access_agent(business, data["assignee_id"]) if data.get("assignee_id") else None
        )
        agent = None
        if "message" in data:
            agent, _ = self.message_sender(data.get("agent_id"))
        elif self.caller.agent is None and data.get("agent_id"):
            agent = access.access_agent(business, data["agent_id"])
        if "message" in data:
            # The first message must reach the customer, or the call says it cannot (422).
            conv, _, created = do_start_outreach(
                business,
                customer,
                agent=agent,
                actor=self.actor_for(agent),
                channel_type=data["channel_type"],
                message=data["message"],
                client_id=data.get("client_id"),
                metadata=data.get("metadata"),
                assignee=assignee,
            )
            # A replay answers with the stored conversation: only if the caller may see it.
            if not created and not access.agent_can_see(self.caller.agent, conv):
                raise errors.ConversationNotFound("Conversation not found.")
            replay = not created
        else:
            conv, _ = actions.do_start_conversation(
                business,
                customer,
                actor=self.actor_for(agent),
                channel_type=data["channel_type"],
                metadata=data.get("metadata"),
                assignee=assignee,
            )
            replay = False
        status = http.HTTP_200_OK if replay else http.HTTP_201_CREATED
        return Response(s.ConversationSerializer(conv).data, status=status)


class HandoffListView(ApiView):
    @extend_schema(
        tags=["conversations"],
        summary="Pending handoffs",
        description=f"Every visible conversation waiting for a human (needs_human_handoff), "
        f"longest waiting first, in one call (at most {HANDOFF_LIST_MAX}).",
        responses={200: s.ConversationListSerializer},
    )
    def get(self, request):
        qs = (
            access.visible_conversations(self.caller.agent, self.caller.business)
            .filter(needs_human_handoff=True)
            .select_related("customer", "assignee__user")
            .order_by("handoff_requested_at", "id")[:HANDOFF_LIST_MAX]
        )
        return Response({"results": s.ConversationSerializer(attach_labels(qs), many=True).data})


class ConversationDetailView(ApiView):
    @extend_schema(
        tags=["conversations"],
        summary="Get a conversation",
        responses={200: s.ConversationSerializer},
    )
    def get(self, request, pk):
        return Response(s.ConversationSerializer(self.conversation(pk)).data)


class ConversationTransitionView(ApiView):
    """PUT conversations/{id}/resolve|close|reopen|pending."""

    transition = None  # set per route
    ACTIONS = {
        "resolve": actions.do_resolve,
        "close": actions.do_close,
        "reopen": actions.do_reopen,
        "pending": actions.do_set_pending,
    }

    @extend_schema(
        tags=["conversations"],
        summary="Change a conversation's status",
        description="resolve (open|pending → resolved), close (any but closed → closed), "
        "reopen (resolved|closed → open), pending (open → pending). Anything else is a 409 "
        "INVALID_STATUS_TRANSITION.",
        request=None,
        responses={200: s.ConversationSerializer, 409: error(409)},
    )
    def put(self, request, pk):
        conv = self.ACTIONS[self.transition](self.conversation(pk), actor=self.caller.actor)
        return Response(s.ConversationSerializer(conv).data)


class ConversationAssignView(ApiView):
    @extend_schema(
        tags=["conversations"],
        summary="Assign (or unassign with null)",
        description="Assigning clears a pending handoff request.",
        request=s.AssignSerializer,
        responses={200: s.ConversationSerializer},
    )
    def put(self, request, pk):
        conv = self.conversation(pk)
        data = self.body(s.AssignSerializer)
        agent = None
        if data["agent_id"] is not None:
            agent = access.access_agent(self.caller.business, data["agent_id"])
        conv = actions.do_assign(conv, agent, actor=self.caller.actor)
        return Response(s.ConversationSerializer(conv).data)


class ConversationUnassignView(ApiView):
    @extend_schema(
        tags=["conversations"],
        summary="Unassign",
        request=None,
        responses={200: s.ConversationSerializer},
    )
    def put(self, request, pk):
        conv = actions.do_assign(self.conversation(pk), None, actor=self.caller.actor)
        return Response(s.ConversationSerializer(conv).data)


class ConversationHandoffView(ApiView):
    @extend_schema(
        tags=["conversations"],
        summary="Flag for human handoff",
        request=s.HandoffSerializer,
        responses={200: s.ConversationSerializer},
    )
    def put(self, request, pk):
        conv = self.conversation(pk)
        data = self.body(s.HandoffSerializer) if request.body else {"reason": ""}
        conv = actions.do_request_handoff(conv, reason=data["reason"], actor=self.caller.actor)
        return Response(s.ConversationSerializer(conv).data)

    @extend_schema(
        tags=["conversations"],
        summary="Clear the handoff flag",
        responses={200: s.ConversationSerializer},
    )
    def delete(self, request, pk):
        conv = actions.do_clear_handoff(self.conversation(pk), actor=self.caller.actor)
        return Response(s.ConversationSerializer(conv).data)


# --- Messages ----------------------------------------------------------------------------------


class MessageListView(ApiView):
    parser_classes = [
        BoundedJSONParser,
        MultiPartParser,
    ]  # multipart: attachments (docs/attachments.md)

    @extend_schema(
        tags=["messages"],
        summary="List messages",
        description="Newest first by default; with `after=<message id>`, the messages after it "
        "oldest first (to catch up). Cursor-paginated either way.",
        parameters=[s.MessageFilterSerializer],
        responses={200: s.MessagePageSerializer},
    )
    def get(self, request, pk):
        f = self.validated(s.MessageFilterSerializer)
        conv = self.conversation(pk)
        qs = Message.objects.filter(conversation=conv)
        after = f.get("after")
        if after is not None:
            qs = qs.filter(pk__gt=after)
        items, cursor = page_by_id(qs, f.get("cursor"), f["limit"], descending=after is None)
        return page_response(request, s.MessageSerializer, items, cursor)

    @extend_schema(
        tags=["messages"],
        summary="Send a message as an agent",
        description="Agents send as themselves; API keys name the agent with agent_id, or "
        "without it send as the key itself (shown by its name). Idempotent with the "
        "Idempotency-Key header or "
        "client_id: a retry returns the stored message with 200 instead of 201. "
        "Send files as multipart/form-data (`file` parts, optional `content` caption): "
        "413 ATTACHMENT_TOO_LARGE, 415 ATTACHMENT_TYPE_NOT_ALLOWED, 400 TOO_MANY_ATTACHMENTS.",
        parameters=[IDEMPOTENCY_HEADER],
        request={
            "application/json": s.MessageCreateSerializer,
            "multipart/form-data": attachments_api.MultipartMessage,
        },
        examples=[attachments_api.MULTIPART_EXAMPLE],
        responses={201: s.MessageSerializer, 200: s.MessageSerializer},
    )
    def post(self, request, pk):
        conv = self.conversation(pk)
        files = None
        if attachments_api.is_multipart(request):
            data, files = attachments_api.parse_multipart(request, s.MessageCreateSerializer)
        else:
            data = self.body(s.MessageCreateSerializer)
        agent, api_key = self.message_sender(data.get("agent_id"))
        client_id = request.headers.get("Idempotency-Key") or data.get("client_id")
        message, created = actions.do_post_message(
            conv,
            sender_type=Message.SenderType.AGENT,
            content=data["content"],
            agent=agent,
            api_key=api_key,
            client_id=client_id,
            attachments=attachments_api.upload(conv, files, "agent", agent and agent.pk)
            if files
            else None,
        )
        return Response(
            s.MessageSerializer(message).data,
            status=http.HTTP_201_CREATED if created else http.HTTP_200_OK,
        )


class MarkReadView(ApiView):
    @extend_schema(
        tags=["messages"],
        summary="Mark customer messages read",
        description="Marks the customer's messages (up to `up_to`, or all) read by the team.",
        request=s.MarkReadSerializer,
        responses={200: s.ReadResultSerializer},
    )
    def post(self, request, pk):
        conv = self.conversation(pk)
        data = self.body(s.MarkReadSerializer) if request.body else {}
        receipts = actions.do_mark_read(conv, reader="agent", up_to_id=data.get("up_to"))
        return Response({"receipts": receipts})


# --- Customers -------------------------------------------------------------------------------


class CustomerListView(ApiView):
    @extend_schema(
        tags=["customers"],
        summary="List customers",
        operation_id="customers_list",
        description="Newest first, cursor-paginated.",
        parameters=[s.CustomerFilterSerializer],
        responses={200: s.CustomerPageSerializer},
    )
    def get(self, request):
        f = self.validated(s.CustomerFilterSerializer)
        qs = self.caller.business.customers.all()
        if f.get("email"):
            qs = qs.filter(email__iexact=f["email"])
        if f.get("external_id"):
            qs = qs.filter(external_id=f["external_id"])
        items, cursor = page_by_id(qs, f.get("cursor"), f["limit"], descending=True)
        return page_response(request, s.CustomerSerializer, items, cursor)


class CustomerDetailView(ApiView):
    @extend_schema(
        tags=["customers"], summary="Get a customer", responses={200: s.CustomerSerializer}
    )
    def get(self, request, pk):
        return Response(s.CustomerSerializer(access.access_customer(self.caller.business, pk)).data)

    @extend_schema(
        tags=["customers"],
        summary="Update a customer",
        description="Name, email and external_id replace; metadata is merged. Plain agents may "
        "only update customers of conversations they can see.",
        request=s.CustomerUpdateSerializer,
        responses={
            200: s.CustomerSerializer,
            403: error(403, "A plain agent who sees no conversation of this customer."),
        },
    )
    def patch(self, request, pk):
        customer = access.access_customer(self.caller.business, pk)
        agent = self.caller.agent
        if agent is not None and not agent.is_manager:
            # A plain agent changes only customers of conversations they can see.
            visible = access.visible_conversations(agent, self.caller.business)
            if not visible.filter(customer=customer).exists():
                raise errors.PermissionDenied(
                    "Agents may only update customers of conversations they can see."
                )
        data = self.body(s.CustomerUpdateSerializer)
        customer = actions.do_identify_customer(
            customer,
            name=data.get("name"),
            email=data.get("email"),
            external_id=data.get("external_id"),
            metadata=data.get("metadata"),
            actor=self.caller.actor,
        )
        return Response(s.CustomerSerializer(customer).data)


# --- Agents ------------------------------------------------------------------------------------


class AgentListView(ApiView):
    @extend_schema(
        tags=["agents"],
        summary="List agents",
        operation_id="agents_list",
        description="Every member of the business with role and status.",
        responses={200: s.AgentListSerializer},
    )
    def get(self, request):
        qs = self.caller.business.agents.select_related("user").order_by("id")
        return Response({"results": s.AgentSerializer(qs, many=True).data})


class AgentDetailView(ApiView):
    @extend_schema(tags=["agents"], summary="Get an agent", responses={200: s.AgentSerializer})
    def get(self, request, pk):
        return Response(s.AgentSerializer(access.access_agent(self.caller.business, pk)).data)


class AgentStatusView(ApiView):
    @extend_schema(
        tags=["agents"],
        summary="Set my status",
        description="An agent (JWT) sets their own presence: online, away or offline.",
        request=s.AgentStatusSerializer,
        responses={
            200: s.AgentSerializer,
            403: error(403, "API keys have no status (AGENT_REQUIRED)."),
        },
    )
    def put(self, request):
        if self.caller.agent is None:
            raise errors.PermissionDenied(
                "Only an agent token has a status to set.", code="AGENT_REQUIRED"
            )
        data = self.body(s.AgentStatusSerializer)
        agent = actions.do_set_agent_status(self.caller.agent, data["status"])
        return Response(s.AgentSerializer(agent).data)


# --- API keys ------------------------------------------------------------------------------------


class ApiKeyListView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        tags=["api-keys"],
        summary="List API keys",
        operation_id="api_keys_list",
        description="Owners, admins and API keys only.",
        responses={200: s.ApiKeyListSerializer, 403: error(403)},
    )
    def get(self, request):
        keys = ApiKey.objects.filter(business=self.caller.business).order_by("-id")
        return Response({"results": s.ApiKeySerializer(keys, many=True).data})

    @extend_schema(
        tags=["api-keys"],
        summary="Create an API key",
        description="The response holds the raw key; it is shown only once.",
        request=s.ApiKeyCreateSerializer,
        responses={201: s.NewApiKeySerializer, 403: error(403)},
    )
    def post(self, request):
        data = self.body(s.ApiKeyCreateSerializer)
        user = self.caller.agent.user if self.caller.agent else None
        key, raw = actions.create_api_key(self.caller.business, data["name"], created_by=user)
        key.key = raw
        return Response(s.NewApiKeySerializer(key).data, status=http.HTTP_201_CREATED)


class ApiKeyDetailView(ApiView):
    permission_classes = [IsManager]

    def key(self, pk) -> ApiKey:
        key_id = access.int_id(pk)
        key = ApiKey.objects.filter(business=self.caller.business, pk=key_id).first()
        if key_id is None or key is None:
            raise errors.NotFound("API key not found.", code="API_KEY_NOT_FOUND")
        return key

    @extend_schema(
        tags=["api-keys"],
        summary="Get an API key",
        responses={200: s.ApiKeySerializer, 403: error(403)},
    )
    def get(self, request, pk):
        return Response(s.ApiKeySerializer(self.key(pk)).data)

    @extend_schema(
        tags=["api-keys"],
        summary="Revoke an API key",
        responses={204: None, 403: error(403)},
    )
    def delete(self, request, pk):
        actions.revoke_api_key(self.key(pk))
        return Response(status=http.HTTP_204_NO_CONTENT)


# --- Business settings -----------------------------------------------------------------------


class BusinessSettingsView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        tags=["business"],
        summary="Get the business settings",
        description="Owners, admins and API keys: report time zone, automatic assignment, CSAT.",
        responses={200: s.BusinessSettingsSerializer, 403: error(403)},
    )
    def get(self, request):
        return Response(s.BusinessSettingsSerializer(self.caller.business).data)

    @extend_schema(
        tags=["business"],
        summary="Change the business settings",
        description="Round robin assigns what waits at once; CSAT off stops the rating question.",
        request=s.BusinessSettingsUpdateSerializer,
        responses={200: s.BusinessSettingsSerializer, 403: error(403)},
    )
    def patch(self, request):
        data = self.body(s.BusinessSettingsUpdateSerializer)
        business = actions.do_update_business_settings(self.caller.business, **data)
        return Response(s.BusinessSettingsSerializer(business).data)
