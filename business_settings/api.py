"""REST for what the settings pages change: the widget (/api/v1/widget/settings), business
hours (/api/v1/business/hours) and the AI assistant (/api/v1/ai/settings).

Owners, admins and API keys; a plain agent gets 403. Every call acts on the caller's own
business (there are no ids of another business to pass)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from ai.settings_actions import ai_settings_view, update_ai_settings
from business_settings import actions
from business_settings.hours import hours_of, is_open
from business_settings.models import WidgetSettings
from conversations.api.bodies import json_object
from conversations.api.permissions import IsManager
from conversations.api.schema import error
from conversations.api.views import ApiView

W = WidgetSettings


def widget_json(ws: WidgetSettings) -> dict:
    return {
        "color": ws.color,
        "title": ws.title,
        "greeting": ws.greeting,
        "launcher_text": ws.launcher_text,
        "position": ws.position,
        "language": ws.language,
        "prechat_name": ws.prechat_name,
        "prechat_email": ws.prechat_email,
        "allowed_domains": ws.allowed_domains or [],
    }


def hours_json(business) -> dict:
    hours = hours_of(business)
    return {
        "enabled": hours.enabled,
        "timezone": business.timezone,
        "weekly": hours.weekly or {},
        "holidays": hours.holidays or [],
        "away_message": hours.away_message,
        "open_now": is_open(business, hours=hours),
    }


WidgetSchema = inline_serializer(
    "WidgetSettings",
    {
        "color": serializers.CharField(help_text="#rrggbb"),
        "title": serializers.CharField(help_text="Empty: the language's default."),
        "greeting": serializers.CharField(),
        "launcher_text": serializers.CharField(),
        "position": serializers.ChoiceField(choices=W.Position.values),
        "language": serializers.ChoiceField(choices=W.Language.values),
        "prechat_name": serializers.ChoiceField(choices=["required", "optional"]),
        "prechat_email": serializers.ChoiceField(choices=["required"]),
        "allowed_domains": serializers.ListField(
            child=serializers.CharField(), help_text="example.com, *.example.com; empty: any."
        ),
    },
)
HoursSchema = inline_serializer(
    "BusinessHours",
    {
        "enabled": serializers.BooleanField(help_text="Off: always open."),
        "timezone": serializers.CharField(help_text="IANA name, e.g. Europe/Paris."),
        "weekly": serializers.DictField(
            help_text='Monday = "0": [["09:00", "12:30"], ["13:30", "18:00"]]; missing: closed.'
        ),
        "holidays": serializers.ListField(child=serializers.DateField()),
        "away_message": serializers.CharField(help_text="Posted once per conversation."),
        "open_now": serializers.BooleanField(read_only=True),
    },
)
AISchema = inline_serializer(
    "AISettings",
    {
        "enabled": serializers.BooleanField(help_text="New chats start with the AI answering."),
        "provider": serializers.ChoiceField(choices=["knowledge_base", "openai"]),
        "confidence_threshold": serializers.FloatField(),
        "handoff_keywords": serializers.ListField(child=serializers.CharField()),
        "max_replies": serializers.IntegerField(),
        "handoff_message": serializers.CharField(),
    },
)
REFUSED = {400: error(400), 403: error(403, "A plain agent (NOT_A_MANAGER).")}


class WidgetSettingsView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        tags=["settings"],
        summary="Get the widget settings",
        responses={200: WidgetSchema, 403: REFUSED[403]},
    )
    def get(self, request):
        return Response(widget_json(actions.widget_settings_of(self.caller.business)))

    @extend_schema(
        tags=["settings"],
        summary="Change the widget settings",
        description="Any subset of the fields. Visitors get them on their next page load.",
        request=WidgetSchema,
        responses={200: WidgetSchema, **REFUSED},
    )
    def patch(self, request):
        return Response(
            widget_json(
                actions.update_widget_settings(self.caller.business, **json_object(request))
            )
        )


class BusinessHoursView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        tags=["settings"],
        summary="Get the business hours",
        responses={200: HoursSchema, 403: REFUSED[403]},
    )
    def get(self, request):
        return Response(hours_json(self.caller.business))

    @extend_schema(
        tags=["settings"],
        summary="Change the business hours",
        description="Any subset of the fields; timezone is the business's own (reports use it).",
        request=HoursSchema,
        responses={200: HoursSchema, **REFUSED},
    )
    def patch(self, request):
        data = json_object(request)
        data.pop("open_now", None)
        business = self.caller.business
        actions.update_business_hours(business, **data)
        return Response(hours_json(business))


class AISettingsView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        tags=["settings"],
        summary="Get the AI assistant settings",
        description="The values in force (server defaults filled in).",
        responses={200: AISchema, 403: REFUSED[403]},
    )
    def get(self, request):
        return Response(ai_settings_view(self.caller.business))

    @extend_schema(
        tags=["settings"],
        summary="Change the AI assistant settings",
        description="Any subset. The knowledge base is at /api/v1/knowledge-base/articles/.",
        request=AISchema,
        responses={200: AISchema, **REFUSED},
    )
    def patch(self, request):
        return Response(update_ai_settings(self.caller.business, **json_object(request)))
