"""JSON shapes of the privacy REST resources (also their OpenAPI schema)."""

from rest_framework import serializers

from privacy.models import DataExport, Erasure


class ErasureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Erasure
        fields = [
            "customer_id",
            "actor",
            "conversations",
            "messages",
            "attachments",
            "events",
            "erased_at",
        ]


class ExportRequestSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=DataExport.Format.choices, default="json")


class ExportSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = DataExport
        fields = [
            "id",
            "format",
            "status",
            "requested_by",
            "size",
            "customers",
            "conversations",
            "messages",
            "error",
            "created_at",
            "finished_at",
            "download_url",
        ]

    def get_download_url(self, export) -> str | None:
        if export.status != DataExport.Status.READY:
            return None
        return f"/api/v1/exports/{export.pk}/download"


class ExportListSerializer(serializers.Serializer):
    results = ExportSerializer(many=True)
