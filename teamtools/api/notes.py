"""REST: a conversation's private notes."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.response import Response

from conversations.api.schema import error
from conversations.api.serializers import StrictCharField
from conversations.api.views import ApiView
from teamtools import queries
from teamtools.actions import notes as note_actions
from teamtools.api.shapes import EmptyQuerySerializer


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
