"""REST: merging a duplicate customer."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from conversations import access
from conversations.api.permissions import IsManager
from conversations.api.schema import error
from conversations.api.serializers import CustomerSerializer
from conversations.api.views import ApiView
from teamtools.actions import merge as merge_actions


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
