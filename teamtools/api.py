"""REST for team tools under /api/v1/: notes, labels, canned responses (thin adapters)."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.response import Response

from conversations import access
from conversations.actions.conversations import do_set_status
from conversations.api.permissions import IsBusinessCaller, IsManager
from conversations.api.schema import error
from conversations.api.serializers import (
    ConversationSerializer,
    CustomerSerializer,
    LabelSerializer,
    StrictCharField,
)
from conversations.api.views import ApiView
from conversations.models import Conversation
from teamtools import queries, snooze_times
from teamtools.actions import canned as canned_actions
from teamtools.actions import labels as label_actions
from teamtools.actions import merge as merge_actions
from teamtools.actions import notes as note_actions
from teamtools.actions import snooze as snooze_actions

# --- shapes ---------------------------------------------------------------------------------


class NoteAuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class NoteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    conversation_id = serializers.IntegerField()
    author = NoteAuthorSerializer(allow_null=True)
    content = serializers.CharField()
    mentions = NoteAuthorSerializer(many=True, help_text="Colleagues notified by this note.")
    created_at = serializers.DateTimeField()


def note_out(snapshot: dict) -> dict:
    def who(agent):
        return None if agent is None else {"id": agent["id"], "name": agent["name"]}

    return {
        **{k: snapshot[k] for k in ("id", "conversation_id", "content", "created_at")},
        "author": who(snapshot["author"]),
        "mentions": [who(a) for a in snapshot["mentions"]],
    }


class NoteListSerializer(serializers.Serializer):
    results = NoteSerializer(many=True)


class NoteCreateSerializer(serializers.Serializer):
    content = StrictCharField(trim_whitespace=False, help_text="`@name` mentions a colleague.")
    mention_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=50,
        help_text="Agents to mention besides those named with @ in the text.",
    )
    agent_id = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="API keys: the author."
    )


class LabelListSerializer(serializers.Serializer):
    results = LabelSerializer(many=True)


class LabelCreateSerializer(serializers.Serializer):
    name = StrictCharField(max_length=40)
    color = StrictCharField(required=False, help_text="#rrggbb (default #6b7280).")


class LabelUpdateSerializer(serializers.Serializer):
    name = StrictCharField(required=False, max_length=40)
    color = StrictCharField(required=False)


class ConversationLabelsSerializer(serializers.Serializer):
    add = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=50,
        help_text="Label ids to put on the conversation.",
    )
    remove = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=50,
        help_text="Label ids to take off.",
    )


class NoteAuthorQuerySerializer(serializers.Serializer):
    agent_id = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="API keys: the agent."
    )


class EmptyQuerySerializer(serializers.Serializer):
    """Lists without filters: any query parameter is refused."""


# --- notes ----------------------------------------------------------------------------------


class NoteListView(ApiView):
    @extend_schema(
        tags=["notes"],
        summary="A conversation's private notes",
        description="Oldest first (the latest 200). Notes are staff-only: they never reach the "
        "customer, a channel, the /ws stream or a webhook.",
        responses={200: NoteListSerializer},
    )
    def get(self, request, pk):
        self.validated(EmptyQuerySerializer)
        conv = self.conversation(pk)
        return Response({"results": [note_out(n) for n in queries.latest_notes(conv)]})

    @extend_schema(
        tags=["notes"],
        summary="Add a private note",
        description="`@name` (first name, email or its local part) mentions a colleague, who is "
        "notified; a mentioned colleague must be able to see the conversation "
        "(400 MENTION_NOT_VISIBLE). API keys name the author with agent_id.",
        request=NoteCreateSerializer,
        responses={201: NoteSerializer, 404: error(404, "Unknown conversation or agent.")},
        examples=[
            OpenApiExample(
                "A note for a colleague",
                value={"content": "@adam can you check the refund for this order?"},
                request_only=True,
            )
        ],
    )
    def post(self, request, pk):
        conv = self.conversation(pk)
        data = self.body(NoteCreateSerializer)
        author = self.sending_agent(data.get("agent_id"))
        note = note_actions.do_add_note(
            conv, author=author, content=data["content"], mention_ids=data.get("mention_ids")
        )
        snapshot = queries.note_of(conv, note.pk)
        return Response(note_out(snapshot), status=http.HTTP_201_CREATED)


# --- labels ---------------------------------------------------------------------------------


class LabelListView(ApiView):
    def get_permissions(self):
        return [IsManager()] if self.request.method == "POST" else [IsBusinessCaller()]

    @extend_schema(
        tags=["labels"], summary="The business's labels", responses={200: LabelListSerializer}
    )
    def get(self, request):
        self.validated(EmptyQuerySerializer)
        labels = queries.labels_of_business(self.caller.business)
        return Response({"results": LabelSerializer(labels, many=True).data})

    @extend_schema(
        tags=["labels"],
        summary="Create a label (owners, admins, API keys)",
        request=LabelCreateSerializer,
        responses={
            201: LabelSerializer,
            409: error(409, "A label with that name exists (LABEL_EXISTS)."),
        },
        examples=[
            OpenApiExample("VIP", value={"name": "vip", "color": "#d97706"}, request_only=True)
        ],
    )
    def post(self, request):
        data = self.body(LabelCreateSerializer)
        label = label_actions.create_label(
            self.caller.business, name=data["name"], color=data.get("color")
        )
        return Response(LabelSerializer(label).data, status=http.HTTP_201_CREATED)


class LabelDetailView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        tags=["labels"],
        summary="Rename or recolour a label",
        request=LabelUpdateSerializer,
        responses={200: LabelSerializer, 409: error(409, "LABEL_EXISTS")},
    )
    def patch(self, request, pk):
        label = queries.access_label(self.caller.business, pk)
        data = self.body(LabelUpdateSerializer)
        label = label_actions.update_label(label, name=data.get("name"), color=data.get("color"))
        return Response(LabelSerializer(label).data)

    @extend_schema(
        tags=["labels"], summary="Delete a label (from every conversation)", responses={204: None}
    )
    def delete(self, request, pk):
        label_actions.delete_label(queries.access_label(self.caller.business, pk))
        return Response(status=http.HTTP_204_NO_CONTENT)


class ConversationLabelsView(ApiView):
    @extend_schema(
        tags=["labels"],
        summary="Put labels on / take labels off a conversation",
        description="Sends `session.labels_changed` (webhooks, /ws) when anything changed.",
        request=ConversationLabelsSerializer,
        responses={200: LabelListSerializer, 404: error(404, "Unknown conversation or label.")},
        examples=[OpenApiExample("Label it", value={"add": [3], "remove": [5]}, request_only=True)],
    )
    def post(self, request, pk):
        conv = self.conversation(pk)
        data = self.body(ConversationLabelsSerializer)
        business = self.caller.business
        add = queries.labels_by_ids(business, data.get("add", []))
        remove = queries.labels_by_ids(business, data.get("remove", []))
        _, labels = label_actions.do_set_labels(
            conv, add=add, remove=remove, actor=self.actor_for()
        )
        return Response({"results": LabelSerializer(labels, many=True).data})


# --- canned responses -------------------------------------------------------------------------


class CannedSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    shortcut = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    content = serializers.CharField(read_only=True, help_text="With its {{variables}}.")
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class CannedListSerializer(serializers.Serializer):
    results = CannedSerializer(many=True)


class CannedQuerySerializer(serializers.Serializer):
    q = StrictCharField(
        required=False, max_length=100, help_text="Shortcut prefix first, then title matches."
    )


class CannedCreateSerializer(serializers.Serializer):
    shortcut = StrictCharField(max_length=41, help_text="What follows `/` in the reply box.")
    title = StrictCharField(max_length=120)
    content = StrictCharField(trim_whitespace=False)


class CannedUpdateSerializer(serializers.Serializer):
    shortcut = StrictCharField(required=False, max_length=41)
    title = StrictCharField(required=False, max_length=120)
    content = StrictCharField(required=False, trim_whitespace=False)


class RenderedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    shortcut = serializers.CharField()
    content = serializers.CharField(help_text="Variables filled for this conversation.")


CANNED_EXAMPLE = {
    "shortcut": "refund",
    "title": "Refund on its way",
    "content": "Hi {{customer.first_name | there}}, your refund is on its way. {{agent.name}}",
}


class CannedListView(ApiView):
    def get_permissions(self):
        return [IsManager()] if self.request.method == "POST" else [IsBusinessCaller()]

    @extend_schema(
        tags=["canned responses"],
        summary="The business's canned responses",
        parameters=[CannedQuerySerializer],
        responses={200: CannedListSerializer},
    )
    def get(self, request):
        f = self.validated(CannedQuerySerializer)
        rows = queries.search_canned(self.caller.business, f.get("q", ""), limit=100)
        return Response({"results": CannedSerializer(rows, many=True).data})

    @extend_schema(
        tags=["canned responses"],
        summary="Create a canned response (owners, admins, API keys)",
        description="Variables: "
        + ", ".join(f"`{{{{{v}}}}}`" for v in canned_actions.VARIABLES)
        + "; `{{customer.first_name | there}}` falls back to `there` when empty. Unknown "
        "variables are a 400 UNKNOWN_VARIABLE.",
        request=CannedCreateSerializer,
        responses={
            201: CannedSerializer,
            409: error(409, "The shortcut is taken (SHORTCUT_EXISTS)."),
        },
        examples=[OpenApiExample("Refund", value=CANNED_EXAMPLE, request_only=True)],
    )
    def post(self, request):
        data = self.body(CannedCreateSerializer)
        row = canned_actions.create_canned(self.caller.business, **data)
        return Response(CannedSerializer(row).data, status=http.HTTP_201_CREATED)


class CannedDetailView(ApiView):
    def get_permissions(self):
        return [IsBusinessCaller()] if self.request.method == "GET" else [IsManager()]

    @extend_schema(
        tags=["canned responses"],
        summary="Get a canned response",
        responses={200: CannedSerializer},
    )
    def get(self, request, pk):
        return Response(CannedSerializer(queries.access_canned(self.caller.business, pk)).data)

    @extend_schema(
        tags=["canned responses"],
        summary="Change a canned response",
        request=CannedUpdateSerializer,
        responses={200: CannedSerializer, 409: error(409, "SHORTCUT_EXISTS")},
    )
    def patch(self, request, pk):
        row = queries.access_canned(self.caller.business, pk)
        row = canned_actions.update_canned(row, **self.body(CannedUpdateSerializer))
        return Response(CannedSerializer(row).data)

    @extend_schema(
        tags=["canned responses"], summary="Delete a canned response", responses={204: None}
    )
    def delete(self, request, pk):
        canned_actions.delete_canned(queries.access_canned(self.caller.business, pk))
        return Response(status=http.HTTP_204_NO_CONTENT)


class CannedRenderView(ApiView):
    @extend_schema(
        tags=["canned responses"],
        summary="A canned response filled in for a conversation",
        description="The text to send, variables filled with this conversation's customer and "
        "the calling agent (API keys: agent_id). Sending it is a normal message.",
        parameters=[NoteAuthorQuerySerializer],
        responses={
            200: RenderedSerializer,
            404: error(404, "Unknown conversation or canned response."),
        },
    )
    def get(self, request, pk, canned_id):
        f = self.validated(NoteAuthorQuerySerializer)
        conv = self.conversation(pk)
        row = queries.access_canned(self.caller.business, canned_id)
        agent = self.sending_agent(f.get("agent_id"))
        content = canned_actions.render(row, conv, agent)
        return Response({"id": row.pk, "shortcut": row.shortcut, "content": content})


# --- snooze -----------------------------------------------------------------------------------


class SnoozeSerializer(serializers.Serializer):
    until = serializers.DateTimeField(
        required=False, help_text="ISO 8601; a time without a zone is in the business's zone."
    )
    preset = serializers.ChoiceField(
        choices=list(snooze_times.PRESETS),
        required=False,
        help_text="Instead of until: 1h, 4h, tomorrow (9:00) or next_week (Monday 9:00), in "
        "the business's time zone.",
    )

    def validate(self, data):
        if ("until" in data) == ("preset" in data):
            raise serializers.ValidationError("Give either until or preset.")
        return data


class SnoozeView(ApiView):
    @extend_schema(
        tags=["conversations"],
        summary="Snooze: pending until a time, then reopened",
        description="An open conversation becomes pending (a pending one gets the new time) "
        "and reopens by itself at `until`; the customer writing or an agent reopening ends "
        "the snooze sooner. Webhook and /ws event: `session.snoozed`. Unsnooze with "
        "`PUT /conversations/{id}/reopen`-style status changes (`DELETE` here reopens).",
        request=SnoozeSerializer,
        responses={200: ConversationSerializer, 409: error(409, "Resolved or closed.")},
        examples=[
            OpenApiExample("Tomorrow morning", value={"preset": "tomorrow"}, request_only=True),
            OpenApiExample(
                "A time", value={"until": "2030-05-01T09:00:00+02:00"}, request_only=True
            ),
        ],
    )
    def post(self, request, pk):
        conv = self.conversation(pk)
        data = self.body(SnoozeSerializer)
        zone = self.caller.business.timezone
        if "preset" in data:
            until = snooze_times.preset_until(data["preset"], timezone.now(), zone)
        else:
            until = snooze_times.local_until(data["until"], zone)
        conv = snooze_actions.do_snooze(conv, until, actor=self.caller.actor)
        return Response(ConversationSerializer(conv).data)

    @extend_schema(
        tags=["conversations"],
        summary="Wake a snoozed conversation now (reopen it)",
        request=None,
        responses={200: ConversationSerializer, 409: error(409, "Not pending.")},
    )
    def delete(self, request, pk):
        conv = self.conversation(pk)
        conv = do_set_status(
            conv, Conversation.Status.OPEN, actor=self.caller.actor, only_from={"pending"}
        )
        return Response(ConversationSerializer(conv).data)


# --- customers: merge ---------------------------------------------------------------------------


class MergeSerializer(serializers.Serializer):
    other_customer_id = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        help_text="The duplicate: merged into this one, then gone.",
    )


class CustomerMergeView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        tags=["customers"],
        summary="Merge a duplicate customer into this one (owners, admins, API keys)",
        description="The duplicate's conversations (with their messages) and channel addresses "
        "move here; empty fields are filled from it; custom attributes merge (this customer's "
        "win); the duplicate is deleted. Event and webhook: `customer.merged`. PingBack never "
        "merges on its own because two customers share an email address.",
        request=MergeSerializer,
        responses={200: CustomerSerializer, 404: error(404, "Unknown or foreign customer.")},
        examples=[OpenApiExample("Merge", value={"other_customer_id": 1234}, request_only=True)],
    )
    def post(self, request, pk):
        business = self.caller.business
        keep = access.access_customer(business, pk)
        other = access.access_customer(business, self.body(MergeSerializer)["other_customer_id"])
        keep = merge_actions.do_merge_customers(keep, other, actor=self.caller.actor)
        return Response(CustomerSerializer(keep).data)
