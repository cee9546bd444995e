from django.contrib import admin

from business_settings.models import BusinessHours, WidgetSettings


@admin.register(WidgetSettings)
class WidgetSettingsAdmin(admin.ModelAdmin):
    """Read-only here: changed in the inbox (Settings → Widget) or over REST, through the
    actions that validate them and tell open widgets."""

    list_display = ("business", "language", "position", "color", "updated_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BusinessHours)
class BusinessHoursAdmin(admin.ModelAdmin):
    list_display = ("business", "enabled", "updated_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
