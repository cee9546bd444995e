"""Admin for webhooks: endpoints, deliveries with every attempt inline, replay.

Changes go through ``webhooks.actions``; the secret is never shown here (rotate it through the
API, which shows the new one once).
"""

from django.contrib import admin, messages

from conversations import errors
from webhooks import actions
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def _each(modeladmin, request, queryset, fn, verb: str) -> None:
    done = 0
    for obj in queryset:
        try:
            fn(obj)
            done += 1
        except errors.DomainError as exc:
            modeladmin.message_user(request, f"#{obj.pk}: {exc.message}", messages.WARNING)
    if done:
        modeladmin.message_user(request, f"{verb} {done} item(s).", messages.SUCCESS)


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    fields = (
        "webhook_id",
        "event_type",
        "status",
        "attempt_count",
        "last_status_code",
        "created_at",
    )
    readonly_fields = fields
    ordering = ("-id",)

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-id")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "business", "enabled", "events", "failing_since", "created_at")
    list_filter = ("enabled", "business")
    search_fields = ("url", "description", "business__name")
    readonly_fields = (
        "business",
        "enabled",
        "disabled_reason",
        "disabled_at",
        "failing_since",
        "created_at",
        "updated_at",
    )
    fields = ("business", "url", "description", "events", *readonly_fields[1:])
    actions = ["enable", "disable", "send_test"]

    def has_add_permission(self, request):
        return False  # created through the API, which shows the secret once

    def save_model(self, request, obj, form, change):
        actions.update_endpoint(
            obj,
            url=obj.url if "url" in form.changed_data else None,
            events=obj.events if "events" in form.changed_data else None,
            description=obj.description if "description" in form.changed_data else None,
        )

    @admin.action(description="Enable selected webhooks")
    def enable(self, request, queryset):
        _each(self, request, queryset, lambda e: actions.set_enabled(e, True), "Enabled")

    @admin.action(description="Disable selected webhooks")
    def disable(self, request, queryset):
        _each(self, request, queryset, lambda e: actions.set_enabled(e, False), "Disabled")

    @admin.action(description="Send a webhook.test event")
    def send_test(self, request, queryset):
        _each(self, request, queryset, actions.send_test_event, "Queued a test event for")


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    max_num = 0
    can_delete = False
    fields = ("number", "started_at", "status_code", "duration_ms", "error", "response_body")
    readonly_fields = fields


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "webhook_id",
        "event_type",
        "endpoint",
        "status",
        "attempt_count",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    )
    list_filter = ("status", "event_type", "business")
    search_fields = ("webhook_id", "endpoint__url")
    list_select_related = ("endpoint",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields if f.name != "claim_token"]
    exclude = ("claim_token",)
    inlines = [AttemptInline]
    actions = ["replay"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Replay selected deliveries")
    def replay(self, request, queryset):
        _each(
            self, request, queryset.select_related("endpoint"), actions.replay_delivery, "Replayed"
        )
