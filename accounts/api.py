"""REST for the team: invitations (/api/v1/invitations) and members' roles and removal
(/api/v1/team/members/{id}). Owners, admins and API keys (an admin's rights: never the owner
role). Through the same actions as Settings → Team; another business's ids are 404."""

from __future__ import annotations

import logging

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.response import Response

from accounts import actions, emails, links
from accounts.models import Invitation
from conversations import access, errors
from conversations.api.bodies import json_object
from conversations.api.permissions import IsManager
from conversations.api.schema import error
from conversations.api.views import ApiView
from conversations.models import Agent
from conversations.snapshots import iso
from conversations.validation import is_id

logger = logging.getLogger(__name__)
ROLES = Agent.Role.values
INVITATION_FIELDS = {
    "id": serializers.IntegerField(),
    "email": serializers.EmailField(),
    "role": serializers.ChoiceField(choices=ROLES),
    "created_at": serializers.DateTimeField(),
    "expires_at": serializers.DateTimeField(),
    "email_sent": serializers.BooleanField(required=False),
}
InvitationSchema = inline_serializer("Invitation", INVITATION_FIELDS)
InvitationList = serializers.ListSerializer(child=InvitationSchema)
InviteBody = inline_serializer(
    "InvitationCreate",
    {"email": serializers.EmailField(), "role": serializers.ChoiceField(choices=ROLES)},
)
RoleBody = inline_serializer("MemberRole", {"role": serializers.ChoiceField(choices=ROLES)})
MemberSchema = inline_serializer(
    "Member",
    {
        "id": serializers.IntegerField(),
        "email": serializers.EmailField(),
        "name": serializers.CharField(),
        "role": serializers.ChoiceField(choices=ROLES),
    },
)
# The routes' ``(?P<pk>…)`` appears as ``{id}`` in the schema (SCHEMA_PATH_PREFIX paths).
PK = OpenApiParameter("id", int, OpenApiParameter.PATH)
REFUSED = {
    400: error(400),
    403: error(403, "A plain agent, or the owner role asked by a non-owner (OWNER_ONLY)."),
}


def invitation_json(invitation: Invitation, **extra) -> dict:
    return {
        "id": invitation.pk,
        "email": invitation.email,
        "role": invitation.role,
        "created_at": iso(invitation.created_at),
        "expires_at": iso(invitation.expires_at),
        **extra,
    }


def member_json(agent: Agent) -> dict:
    return {
        "id": agent.pk,
        "email": agent.user.email,
        "name": agent.display_name,
        "role": agent.role,
    }


class InvitationListView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        tags=["team"],
        summary="List pending invitations",
        responses={200: InvitationList, 403: error(403)},
    )
    def get(self, request):
        pending = [
            i for i in Invitation.objects.filter(business=self.caller.business) if i.is_pending
        ]
        return Response([invitation_json(i) for i in pending])

    @extend_schema(
        tags=["team"],
        summary="Invite someone by email",
        description=(
            "Sends the invitation email (EMAIL_URL) with a single-use link valid "
            "INVITATION_MAX_AGE_HOURS; a new invitation to the same address replaces the "
            "pending one. email_sent is false when the email could not be sent."
        ),
        request=InviteBody,
        responses={201: InvitationSchema, **REFUSED, 409: error(409, "ALREADY_MEMBER")},
    )
    def post(self, request):
        data = json_object(request, {"email", "role"})
        by = actions.Manager.of_caller(self.caller)
        invitation, raw = actions.invite(by, data.get("email") or "", data.get("role") or "agent")
        try:
            emails.send_invitation(invitation, links.invitation_link(request, raw))
            sent = True
        except Exception:
            logger.exception("invitation email for invitation %s failed", invitation.pk)
            sent = False
        return Response(invitation_json(invitation, email_sent=sent), status=http.HTTP_201_CREATED)


class InvitationDetailView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        tags=["team"],
        summary="Withdraw an invitation",
        parameters=[PK],
        responses={204: None, 403: error(403), 404: error(404)},
    )
    def delete(self, request, pk):
        if not is_id(pk):
            raise errors.NotFound("Unknown invitation.", code="INVITATION_NOT_FOUND")
        actions.revoke_invitation(actions.Manager.of_caller(self.caller), int(pk))
        return Response(status=http.HTTP_204_NO_CONTENT)


class MemberDetailView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        tags=["team"],
        summary="Change a member's role",
        parameters=[PK],
        request=RoleBody,
        responses={200: MemberSchema, **REFUSED, 404: error(404), 409: error(409, "LAST_OWNER")},
    )
    def patch(self, request, pk):
        target = access.access_agent(self.caller.business, pk)
        data = json_object(request, {"role"})
        agent = actions.change_role(
            actions.Manager.of_caller(self.caller), target, data.get("role") or ""
        )
        return Response(member_json(agent))

    @extend_schema(
        tags=["team"],
        summary="Remove a member",
        description="Their conversations go back to the unassigned queue.",
        parameters=[PK],
        responses={204: None, 403: error(403), 404: error(404), 409: error(409, "LAST_OWNER")},
    )
    def delete(self, request, pk):
        target = access.access_agent(self.caller.business, pk)
        actions.remove_member(actions.Manager.of_caller(self.caller), target)
        return Response(status=http.HTTP_204_NO_CONTENT)
