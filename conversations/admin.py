"""Django admin for support staff.

State changes made here go through ``conversations.actions`` (admin actions), so they
publish the same events as every other surface. Fields the actions own are read-only.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.shortcuts import render

from conversations import actions, errors
from conversations.actions import Actor
from conversations.models import Agent, ApiKey, Business, Conversation, Customer, EventLog, Message

User = get_user_model()


def admin_actor(request, business_id: int) -> Actor:
    agent = Agent.objects.filter(user=request.user, business_id=business_id).first()
    return Actor.of_agent(agent) if agent else Actor.system()


def _run(modeladmin, request, queryset, fn, verb: str) -> None:
    done, refused = 0, []
    for obj in queryset:
        try:
            fn(obj, admin_actor(request, obj.business_id))
            done += 1
        except errors.DomainError as exc:
            refused.append(f"#{obj.pk}: {exc.message}")
    if done:
        modeladmin.message_user(request, f"{verb} {done} conversation(s).", messages.SUCCESS)
    for line in refused:
        modeladmin.message_user(request, line, messages.WARNING)


class BusinessScopedFilter(admin.SimpleListFilter):
    title = "business"
    parameter_name = "business"

    def lookups(self, request, model_admin):
        return [(b.pk, b.name) for b in Business.objects.only("pk", "name")]

    def queryset(self, request, queryset):
        return queryset.filter(business_id=self.value()) if self.value() else queryset


class AgentInline(admin.TabularInline):
    """Read-only here: role changes and removals go through the Agent admin (actions)."""

    model = Agent
    extra = 0
    fields = ("user", "role", "status")
    readonly_fields = ("user", "role", "status")
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Business)
class BusinessAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "public_id",
        "plan",
        "ai_auto_reply_enabled",
        "auto_assign_mode",
        "csat_enabled",
        "created_at",
    )
    list_filter = ("plan", "ai_auto_reply_enabled", "auto_assign_mode", "csat_enabled")
    search_fields = ("name", "public_id")
    readonly_fields = ("public_id", "created_at")
    inlines = [AgentInline]

    def get_readonly_fields(self, request, obj=None):
        # The add form would show a public id drawn for the unsaved form, not the one saved
        # (the default is drawn again on save): it is shown once it exists.
        return self.readonly_fields if obj is not None else ("created_at",)


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "user", "business", "role", "status", "status_changed_at")
    list_filter = ("role", "status", BusinessScopedFilter)
    search_fields = ("user__email", "user__first_name", "user__last_name", "user__username")
    list_select_related = ("user", "business")
    readonly_fields = ("status", "status_changed_at", "created_at")
    raw_id_fields = ("user",)
    actions = ["set_online", "set_away", "set_offline"]

    def get_readonly_fields(self, request, obj=None):
        # A membership's business and user are fixed once it exists; its role is not.
        return (*self.readonly_fields, "business", "user") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        # Through the action, so open connections follow a role change at once.
        saved = actions.add_agent(obj.business, obj.user, obj.role)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        actions.remove_agent(obj)

    def delete_queryset(self, request, queryset):
        for agent in queryset:
            actions.remove_agent(agent)

    def _set(self, request, queryset, status):
        for agent in queryset:
            actions.do_set_agent_status(agent, status)
        self.message_user(request, f"{queryset.count()} agent(s) set {status}.", messages.SUCCESS)

    @admin.action(description="Set status: online")
    def set_online(self, request, queryset):
        self._set(request, queryset, Agent.Status.ONLINE)

    @admin.action(description="Set status: away")
    def set_away(self, request, queryset):
        self._set(request, queryset, Agent.Status.AWAY)

    @admin.action(description="Set status: offline")
    def set_offline(self, request, queryset):
        self._set(request, queryset, Agent.Status.OFFLINE)


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ("business", "name")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "business", "created_at", "last_used_at", "revoked_at")
    list_filter = (BusinessScopedFilter,)
    search_fields = ("name", "prefix")
    list_select_related = ("business",)
    readonly_fields = ("prefix", "created_by", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiKeyForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ("business", *self.readonly_fields) if obj else ()

    def get_fields(self, request, obj=None):
        return ("business", "name") if obj is None else super().get_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        key, raw = actions.create_api_key(obj.business, obj.name, created_by=request.user)
        obj.pk = key.pk
        obj.__dict__.update(key.__dict__)
        self.message_user(
            request,
            f"API key created. Copy it now, it will not be shown again: {raw}",
            messages.WARNING,
        )

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        for key in queryset:
            actions.revoke_api_key(key)
        self.message_user(request, "Revoked.", messages.SUCCESS)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("__str__", "email", "external_id", "business", "created_at")
    list_filter = (BusinessScopedFilter,)
    search_fields = ("name", "email", "external_id")
    list_select_related = ("business",)
    readonly_fields = ("business", "identified_at", "created_at", "updated_at")

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        # Changes go through the identify action so integrations hear about them.
        actions.do_identify_customer(
            obj,
            name=form.cleaned_data.get("name"),
            email=form.cleaned_data.get("email"),
            external_id=form.cleaned_data.get("external_id"),
            metadata=form.cleaned_data.get("metadata"),
            actor=admin_actor(request, obj.business_id),
        )


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = (
        "created_at",
        "sender_type",
        "is_ai",
        "sender_agent",
        "content",
        "delivered_at",
        "read_at",
    )
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    ordering = ("id",)

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("sender_agent__user")


class AssignForm(forms.Form):
    agent = forms.ModelChoiceField(
        queryset=Agent.objects.none(), required=False, help_text="Leave empty to unassign."
    )

    def __init__(self, *args, business_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = Agent.objects.filter(
            business_id__in=business_ids
        ).select_related("user", "business")


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "customer",
        "business",
        "channel_type",
        "status",
        "assignee",
        "needs_human_handoff",
        "message_count",
        "last_activity_at",
    )
    list_filter = (
        "status",
        "channel_type",
        "needs_human_handoff",
        "ai_enabled",
        BusinessScopedFilter,
        ("assignee", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("customer__name", "customer__email", "=id", "messages__content")
    list_select_related = ("customer", "business", "assignee__user")
    date_hierarchy = "last_activity_at"
    inlines = [MessageInline]
    actions = [
        "resolve",
        "close",
        "reopen",
        "set_pending",
        "assign_to_me",
        "assign_to",
        "clear_handoff",
    ]
    readonly_fields = (
        "business",
        "customer",
        "channel_type",
        "status",
        "assignee",
        "needs_human_handoff",
        "handoff_reason",
        "handoff_requested_at",
        "ai_enabled",
        "ai_reply_count",
        "created_at",
        "updated_at",
        "last_activity_at",
        "assigned_at",
        "resolved_at",
        "closed_at",
        "first_response_at",
        "first_message_text",
        "last_message_text",
        "message_count",
    )

    def has_add_permission(self, request):
        return False

    @admin.action(description="Resolve")
    def resolve(self, request, queryset):
        _run(self, request, queryset, lambda c, a: actions.do_resolve(c, actor=a), "Resolved")

    @admin.action(description="Close")
    def close(self, request, queryset):
        _run(self, request, queryset, lambda c, a: actions.do_close(c, actor=a), "Closed")

    @admin.action(description="Reopen")
    def reopen(self, request, queryset):
        _run(self, request, queryset, lambda c, a: actions.do_reopen(c, actor=a), "Reopened")

    @admin.action(description="Set pending")
    def set_pending(self, request, queryset):
        _run(
            self, request, queryset, lambda c, a: actions.do_set_pending(c, actor=a), "Set pending"
        )

    @admin.action(description="Clear handoff flag")
    def clear_handoff(self, request, queryset):
        _run(self, request, queryset, lambda c, a: actions.do_clear_handoff(c, actor=a), "Cleared")

    @admin.action(description="Assign to me")
    def assign_to_me(self, request, queryset):
        def assign(conv, actor):
            if actor.agent is None:
                raise errors.PermissionDenied("You are not an agent of this business.")
            actions.do_assign(conv, actor.agent, actor=actor)

        _run(self, request, queryset, assign, "Assigned")

    @admin.action(description="Assign to an agent…")
    def assign_to(self, request, queryset: QuerySet):
        business_ids = set(queryset.values_list("business_id", flat=True))
        if "apply" in request.POST:
            form = AssignForm(request.POST, business_ids=business_ids)
            if form.is_valid():
                agent = form.cleaned_data["agent"]
                _run(
                    self,
                    request,
                    queryset,
                    lambda c, a: actions.do_assign(c, agent, actor=a),
                    "Assigned" if agent else "Unassigned",
                )
                return None
        else:
            form = AssignForm(business_ids=business_ids)
        return render(
            request,
            "admin/conversations/assign.html",
            {
                **self.admin_site.each_context(request),
                "title": "Assign conversations",
                "form": form,
                "conversations": queryset.select_related("customer"),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "conversation",
        "sender_type",
        "is_ai",
        "short_content",
        "created_at",
        "delivered_at",
        "read_at",
    )
    list_filter = ("sender_type", "is_ai", "content_type", BusinessScopedFilter)
    search_fields = ("content", "conversation__customer__name", "conversation__customer__email")
    list_select_related = ("conversation",)
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="content")
    def short_content(self, obj):
        return obj.content[:80]


@admin.register(EventLog)
class EventLogAdmin(admin.ModelAdmin):
    list_display = ("id", "type", "business", "conversation_id", "created_at")
    list_filter = ("type", BusinessScopedFilter)
    search_fields = ("=conversation_id", "type")
    list_select_related = ("business",)
    readonly_fields = ("business", "type", "conversation_id", "data", "audience", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class UserAdmin(DjangoUserAdmin):
    """Django's user admin, with (de)activation going through ``set_user_active``: a
    deactivated user's open realtime connections close at once, in every process."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            actions.set_user_active(obj, obj.is_active)


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
