"""REST: the business's identity secret (widget ``identify`` verification)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.response import Response

from conversations.api.bodies import json_object
from conversations.api.permissions import IsManager
from conversations.api.views import ApiView
from teamtools.actions import identity
from teamtools.api.shapes import EmptyQuerySerializer


class IdentityStatusSerializer(serializers.Serializer):
    configured = serializers.BooleanField()
    created_at = serializers.DateTimeField(allow_null=True)
    hint = serializers.CharField(help_text='The secret\'s last 4 characters ("" when none).')


class IdentitySecretSerializer(IdentityStatusSerializer):
    secret = serializers.CharField(
        help_text="Shown this once: keep it on your server, never in a web page."
    )


class IdentitySecretView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        tags=["identity"],
        summary="Whether an identity secret exists (never its value)",
        responses={200: IdentityStatusSerializer},
    )
    def get(self, request):
        self.validated(EmptyQuerySerializer)
        status = identity.identity_status(self.caller.business)
        return Response(IdentityStatusSerializer(status).data)

    @extend_schema(
        tags=["identity"],
        summary="Create or rotate the identity secret (owners, admins, API keys)",
        description="Returns the new secret once. Hashes made with the previous secret stop "
        "verifying immediately. Sign `HMAC-SHA256(secret, user id or email)` on your server "
        "and pass it as `hash` to `PingBack.identify()` (docs/team-tools.md).",
        request=None,
        responses={201: IdentitySecretSerializer},
    )
    def post(self, request):
        self.validated(EmptyQuerySerializer)
        json_object(request, allowed=frozenset())  # takes no fields
        row = identity.rotate_identity_secret(self.caller.business)
        shown = {**identity.identity_status(self.caller.business), "secret": row.secret}
        return Response(IdentitySecretSerializer(shown).data, status=http.HTTP_201_CREATED)
