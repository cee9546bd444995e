"""REST adapters for erasure and exports: managers only (owners, admins, API keys)."""

from django.core.files.storage import default_storage
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status as http
from rest_framework.response import Response

from conversations import access, errors
from conversations.api.permissions import IsManager
from conversations.api.schema import error
from conversations.api.views import ApiView
from conversations.validation import is_id
from privacy import actions
from privacy.api import serializers as s
from privacy.models import DataExport


class ExportNotFound(errors.NotFound):
    code = "EXPORT_NOT_FOUND"


class ExportNotReady(errors.Conflict):
    code = "EXPORT_NOT_READY"


def access_export(business, export_id) -> DataExport:
    export = (
        DataExport.objects.filter(business=business, pk=int(export_id)).first()
        if is_id(export_id)
        else None
    )
    if export is None:
        raise ExportNotFound("Export not found.")
    return export


class CustomerEraseView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        tags=["customers"],
        summary="Erase a customer's personal data",
        description=(
            "Anonymises the customer (name, email, external id, metadata), erases the text of "
            "every message in their conversations, deletes their attachments and the event "
            "log rows carrying their data, and publishes `customer.erased`. Irreversible. "
            "Webhooks already delivered are out of PingBack's hands."
        ),
        request=None,
        responses={
            200: s.ErasureSerializer,
            403: error(403, "Plain agents may not erase customers."),
            404: error(404, "Unknown or foreign customer (CUSTOMER_NOT_FOUND)."),
        },
    )
    def post(self, request, pk):
        customer = access.access_customer(self.caller.business, pk)
        record = actions.do_erase_customer(customer, actor=self.caller.actor)
        return Response(s.ErasureSerializer(record).data)


def _requester(caller) -> str:
    snap = caller.actor.snapshot()
    return f"{snap['type']} {snap['id']} ({snap['name']})"


class ExportListView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        tags=["exports"],
        summary="List data exports",
        responses={200: s.ExportListSerializer},
    )
    def get(self, request):
        exports = DataExport.objects.filter(business=self.caller.business)[:100]
        return Response({"results": s.ExportSerializer(exports, many=True).data})

    @extend_schema(
        tags=["exports"],
        summary="Export the business's data",
        description=(
            "Queues an export of every customer, conversation and message, as one JSON file "
            "(`json`) or a zip of three CSV files (`csv`). Poll the export until `status` is "
            "`ready`, then fetch `download_url`."
        ),
        request=s.ExportRequestSerializer,
        responses={202: s.ExportSerializer, 403: error(403, "Plain agents may not export.")},
    )
    def post(self, request):
        data = self.body(s.ExportRequestSerializer)
        export = actions.do_request_export(
            self.caller.business,
            format=data["format"],
            requested_by=_requester(self.caller),
        )
        return Response(s.ExportSerializer(export).data, status=http.HTTP_202_ACCEPTED)


class ExportDetailView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        tags=["exports"],
        summary="Get a data export",
        responses={200: s.ExportSerializer, 404: error(404, "Unknown or foreign export.")},
    )
    def get(self, request, pk):
        return Response(s.ExportSerializer(access_export(self.caller.business, pk)).data)


class ExportDownloadView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        tags=["exports"],
        summary="Download a finished data export",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file."
            ),
            404: error(404, "Unknown or foreign export."),
            409: error(409, "The export is not ready (EXPORT_NOT_READY)."),
        },
    )
    def get(self, request, pk):
        export = access_export(self.caller.business, pk)
        return download(export)


def download(export: DataExport) -> FileResponse:
    """The export's file as an attachment (shared by REST, the inbox and the admin)."""
    if export.status != DataExport.Status.READY:
        raise ExportNotReady(f"The export is {export.status}.")
    content_type = "application/json" if export.format == "json" else "application/zip"
    return FileResponse(
        default_storage.open(export.file, "rb"),
        as_attachment=True,
        filename=export.filename,
        content_type=content_type,
    )
