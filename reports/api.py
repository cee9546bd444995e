"""REST: ``/api/v1/reports/…`` for owners, admins and API keys of the business."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.response import Response

from conversations import errors
from conversations.api.permissions import IsManager
from conversations.api.schema import error
from conversations.api.views import ApiView
from conversations.models import Conversation
from reports import csv_files, exports, filters, queries
from reports.models import ConversationExport

FILTER_PARAMS = [
    OpenApiParameter("from", str, description="First local day (YYYY-MM-DD); default 6 days ago."),
    OpenApiParameter("to", str, description="Last local day, inclusive; default today."),
    OpenApiParameter("channel", str, enum=Conversation.Channel.values),
    OpenApiParameter("agent_id", int, description="Only what this agent handled."),
    OpenApiParameter(
        "label_id", int, description="Only conversations with this label (computed from them)."
    ),
    OpenApiParameter(
        "business_hours",
        bool,
        description="First response and resolution times counted in business hours only "
        "(computed from the conversations with the current hours; 400 when the business has "
        "no business hours).",
    ),
]
NO_AGENT = error(
    404, "agent_id or label_id is not one of this business (AGENT_NOT_FOUND, LABEL_NOT_FOUND)."
)


class ReportTiming(serializers.Serializer):
    count = serializers.IntegerField()
    median = serializers.FloatField(allow_null=True, help_text="Seconds (log buckets, ±5 %).")
    p90 = serializers.FloatField(allow_null=True)


class ReportDay(serializers.Serializer):
    day = serializers.DateField()
    opened = serializers.IntegerField()
    resolved = serializers.IntegerField()
    messages_in = serializers.IntegerField()
    messages_out = serializers.IntegerField()
    first_response_median = serializers.FloatField(allow_null=True)


class ReportConversations(serializers.Serializer):
    opened = serializers.IntegerField()
    resolved = serializers.IntegerField()


class ReportMessages(serializers.Serializer):
    received = serializers.IntegerField()
    sent = serializers.IntegerField()


class ReportCsat(serializers.Serializer):
    responses = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True)
    satisfied_share = serializers.FloatField(allow_null=True, help_text="Ratings of 4 or 5.")


class ReportAi(serializers.Serializer):
    handoffs = serializers.IntegerField()
    resolved = serializers.IntegerField(help_text="Resolved with no person answering.")
    resolved_share = serializers.FloatField(allow_null=True)


class ReportFiguresSerializer(serializers.Serializer):
    from_ = serializers.DateField()
    to = serializers.DateField()
    timezone = serializers.CharField()
    channel = serializers.CharField(allow_null=True)
    agent_id = serializers.IntegerField(allow_null=True)
    label_id = serializers.IntegerField(allow_null=True)
    business_hours = serializers.BooleanField(help_text="Times in business hours only.")
    conversations = ReportConversations()
    messages = ReportMessages()
    first_response_seconds = ReportTiming()
    resolution_seconds = ReportTiming()
    waiting_seconds = ReportTiming()
    csat = ReportCsat()
    ai = ReportAi()
    days = ReportDay(many=True)
    heatmap = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="ReportConversations opened per weekday (0 Monday) and local hour.",
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class ConversationExportSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ConversationExport
        fields = [
            "id",
            "status",
            "filters",
            "total",
            "done",
            "error",
            "created_at",
            "finished_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj) -> str | None:
        if obj.status != ConversationExport.Status.READY:
            return None
        return reverse("api-report-export-download", kwargs={"pk": obj.pk})


class ReportView(ApiView):
    permission_classes = [IsManager]

    def report(self) -> dict:
        business = self.caller.business
        return queries.summary(business, filters.parse(business, self.request.query_params))


class ReportSummaryView(ReportView):
    @extend_schema(
        tags=["reports"],
        summary="Report figures",
        description=(
            "ReportConversations, messages, first response / resolution / waiting times (median, "
            "p90), CSAT, AI handoffs and AI-resolved share, per day and per weekday x hour, "
            "in the business's time zone. Owners, admins and API keys."
        ),
        parameters=FILTER_PARAMS,
        responses={200: ReportFiguresSerializer, 403: error(403), 404: NO_AGENT},
    )
    def get(self, request):
        return Response(self.report())


class ReportCsvView(ReportView):
    @extend_schema(
        tags=["reports"],
        summary="A report as CSV",
        parameters=[
            OpenApiParameter("report", str, enum=list(csv_files.REPORTS), required=True),
            *FILTER_PARAMS,
        ],
        responses={(200, "text/csv"): str, 403: error(403), 404: NO_AGENT},
    )
    def get(self, request):
        which = csv_files.check(request.query_params.get("report", ""))
        return csv_files.response(self.report(), which)


class ExportListView(ReportView):
    @extend_schema(
        tags=["reports"],
        summary="Export the report's conversations as CSV",
        description="Starts a background export; poll it for progress and its download URL.",
        parameters=FILTER_PARAMS,
        request=None,
        responses={202: ConversationExportSerializer, 403: error(403), 404: NO_AGENT},
    )
    def post(self, request):
        business = self.caller.business
        f = filters.parse(business, request.query_params)
        who = (
            self.caller.agent.user.email
            if self.caller.agent
            else f"api key {self.caller.api_key.name}"
        )
        export = exports.do_request_export(business, f, requested_by=who)
        return Response(ConversationExportSerializer(export).data, status=http.HTTP_202_ACCEPTED)


class ExportDetailView(ReportView):
    def export(self, pk) -> ConversationExport:
        export = ConversationExport.objects.filter(business=self.caller.business, pk=pk).first()
        if export is None:
            raise errors.NotFound("Export not found.", code="EXPORT_NOT_FOUND")
        return export

    @extend_schema(
        tags=["reports"],
        summary="An export's progress",
        responses={200: ConversationExportSerializer, 403: error(403)},
    )
    def get(self, request, pk):
        return Response(ConversationExportSerializer(self.export(pk)).data)


class ExportDownloadView(ExportDetailView):
    @extend_schema(
        tags=["reports"],
        summary="Download a finished export",
        responses={(200, "text/csv"): str, 403: error(403), 409: error(409)},
    )
    def get(self, request, pk):
        export = self.export(pk)
        if export.status != ConversationExport.Status.READY:
            raise errors.Conflict(f"The export is {export.status}.", code="EXPORT_NOT_READY")
        return exports.file_response(export)
