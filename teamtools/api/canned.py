"""REST: canned responses, and one filled in for a conversation."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.response import Response

from conversations.api.permissions import IsBusinessCaller, IsManager
from conversations.api.schema import error
from conversations.api.serializers import StrictCharField
from conversations.api.views import ApiView
from teamtools import queries
from teamtools.actions import canned as canned_actions
from teamtools.api.shapes import AgentQuerySerializer


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
        parameters=[AgentQuerySerializer],
        responses={
            200: RenderedSerializer,
            404: error(404, "Unknown conversation or canned response."),
        },
    )
    def get(self, request, pk, canned_id):
        f = self.validated(AgentQuerySerializer)
        conv = self.conversation(pk)
        row = queries.access_canned(self.caller.business, canned_id)
        agent = self.sending_agent(f.get("agent_id"))
        content = canned_actions.render(row, conv, agent)
        return Response({"id": row.pk, "shortcut": row.shortcut, "content": content})
