"""REST: labels and a conversation's labels."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.response import Response

from conversations.api.permissions import IsBusinessCaller, IsManager
from conversations.api.schema import error
from conversations.api.serializers import LabelSerializer, StrictCharField
from conversations.api.views import ApiView
from teamtools import queries
from teamtools.actions import labels as label_actions
from teamtools.api.shapes import EmptyQuerySerializer


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
