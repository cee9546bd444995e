"""Admin: erase customers (an action on the customer list), request and download exports,
and the erasure records. Changes go through ``privacy.actions``."""

from django.contrib import admin, messages
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from conversations.admin import BusinessAdmin, CustomerAdmin, admin_actor
from conversations.models import Business, Customer
from privacy import actions
from privacy.api.views import download
from privacy.models import DataExport, Erasure


class ErasingCustomerAdmin(CustomerAdmin):
    actions = [*CustomerAdmin.actions, "erase"]

    @admin.action(description="Erase personal data of selected customers (irreversible)")
    def erase(self, request, queryset):
        for customer in queryset:
            actions.do_erase_customer(customer, actor=admin_actor(request, customer.business_id))
        self.message_user(request, f"Erased {queryset.count()} customer(s).", messages.SUCCESS)


class ExportingBusinessAdmin(BusinessAdmin):
    actions = [*BusinessAdmin.actions, "export_json", "export_csv"]

    def _export(self, request, queryset, format):
        for business in queryset:
            actions.do_request_export(
                business, format=format, requested_by=f"admin {request.user.get_username()}"
            )
        url = reverse("admin:privacy_dataexport_changelist")
        self.message_user(
            request,
            format_html('Export queued: see <a href="{}">data exports</a>.', url),
            messages.SUCCESS,
        )

    @admin.action(description="Export data as JSON")
    def export_json(self, request, queryset):
        self._export(request, queryset, DataExport.Format.JSON)

    @admin.action(description="Export data as CSV (zip)")
    def export_csv(self, request, queryset):
        self._export(request, queryset, DataExport.Format.CSV)


for model, model_admin in ((Customer, ErasingCustomerAdmin), (Business, ExportingBusinessAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "business", "requested_by", "size", "created_at", "link")
    list_filter = ("status", "format")
    list_select_related = ("business",)

    @admin.display(description="download")
    def link(self, export):
        if export.status != DataExport.Status.READY:
            return "—"
        url = reverse("admin:privacy_dataexport_download", args=[export.pk])
        return format_html('<a href="{}">{}</a>', url, export.filename)

    def get_urls(self):
        view = self.admin_site.admin_view(self.download_view)
        own = [path("<int:pk>/download/", view, name="privacy_dataexport_download")]
        return own + super().get_urls()

    def download_view(self, request, pk):
        return download(get_object_or_404(DataExport, pk=pk))


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "business", "actor", "conversations", "messages", "attachments")
    list_select_related = ("business",)
