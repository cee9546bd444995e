"""REST: snoozing a conversation."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from conversations.actions.conversations import do_set_status
from conversations.api.schema import error
from conversations.api.serializers import ConversationSerializer
from conversations.api.views import ApiView
from conversations.models import Conversation
from teamtools import snooze_times
from teamtools.actions import snooze as snooze_actions


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
