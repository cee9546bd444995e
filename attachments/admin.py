from django.conf import settings
from django.contrib import admin
from django.db.models import Count, Sum
from django.template.defaultfilters import filesizeformat

from attachments.models import Attachment, BusinessStorage


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "original_name",
        "content_type",
        "human_size",
        "business",
        "conversation_id",
        "message_id",
        "uploader_type",
        "created_at",
    ]
    list_filter = ["content_type", "uploader_type", "business"]
    search_fields = ["original_name", "sha256"]
    list_select_related = ["business"]
    readonly_fields = [f.name for f in Attachment._meta.fields]

    @admin.display(description="size", ordering="size")
    def human_size(self, obj):
        return filesizeformat(obj.size)

    def has_add_permission(self, request):
        return False  # uploads go through the upload action

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BusinessStorage)
class BusinessStorageAdmin(admin.ModelAdmin):
    """Used attachment storage per business against ATTACHMENTS_QUOTA_BYTES."""

    list_display = ["name", "files", "used", "quota", "percent_used"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_used=Sum("attachments__size"), _files=Count("attachments"))
        )

    @admin.display(description="files", ordering="_files")
    def files(self, obj):
        return obj._files

    @admin.display(description="used", ordering="_used")
    def used(self, obj):
        return filesizeformat(obj._used or 0)

    @admin.display(description="quota")
    def quota(self, obj):
        q = settings.ATTACHMENTS_QUOTA_BYTES
        return filesizeformat(q) if q else "unlimited"

    @admin.display(description="% used")
    def percent_used(self, obj):
        q = settings.ATTACHMENTS_QUOTA_BYTES
        return f"{100 * (obj._used or 0) / q:.1f} %" if q else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
