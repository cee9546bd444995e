from django.urls import include, path

from customer_channels import inbox_views as channel_views
from inbox import settings_ai, settings_developers, settings_views, views
from privacy import inbox_views as privacy_views
from reports import inbox_views as report_views

app_name = "inbox"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("status/", views.agent_status, name="agent_status"),
    path("presence/idle/", views.presence_idle, name="presence_idle"),
    path("preferences/", views.preferences, name="preferences"),
    path("switch/", views.switch_business, name="switch_business"),
    path("token/", views.token, name="token"),
    path("c/<int:conv_id>/", views.conversation, name="conversation"),
    path("c/<int:conv_id>/messages/", views.conversation_messages, name="messages"),
    path("c/<int:conv_id>/reply/", views.reply, name="reply"),
    path("c/<int:conv_id>/read/", views.mark_read, name="read"),
    path("c/<int:conv_id>/assign/", views.assign, name="assign"),
    path("c/<int:conv_id>/status/", views.change_status, name="status"),
    path("c/<int:conv_id>/handoff/clear/", views.clear_handoff, name="clear_handoff"),
    path("c/<int:conv_id>/ai/", views.toggle_ai, name="toggle_ai"),
    path("c/<int:conv_id>/erase/", privacy_views.erase_customer, name="erase_customer"),
    path("exports/", privacy_views.exports, name="exports"),
    path("exports/<int:export_id>/", privacy_views.export_download, name="export_download"),
    # Settings (inbox/settings_views.py; sections listed in inbox/settings_sections.py)
    path("welcome/", settings_views.welcome, name="welcome"),
    path("settings/", settings_views.settings_home, name="settings"),
    path("settings/team/", settings_views.team, name="settings_team"),
    path("settings/team/invite/", settings_views.invite, name="settings_invite"),
    path(
        "settings/team/invitations/<int:invitation_id>/revoke/",
        settings_views.revoke_invitation,
        name="settings_revoke_invitation",
    ),
    path("settings/team/<int:agent_id>/role/", settings_views.member_role, name="settings_role"),
    path(
        "settings/team/<int:agent_id>/remove/",
        settings_views.member_remove,
        name="settings_remove",
    ),
    path("settings/widget/", settings_views.widget, name="settings_widget"),
    path("settings/hours/", settings_views.hours, name="settings_hours"),
    path("settings/api-keys/", settings_developers.api_keys, name="settings_api_keys"),
    path(
        "settings/api-keys/<int:key_id>/revoke/",
        settings_developers.api_key_revoke,
        name="settings_api_key_revoke",
    ),
    path("settings/webhooks/", settings_developers.webhooks, name="settings_webhooks"),
    path(
        "settings/webhooks/<int:endpoint_id>/",
        settings_developers.webhook,
        name="settings_webhook",
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/<str:what>/",
        settings_developers.webhook_action,
        name="settings_webhook_action",
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/replay/",
        settings_developers.delivery_replay,
        name="settings_delivery_replay",
    ),
    path("settings/ai/", settings_ai.ai_settings, name="settings_ai"),
    path("settings/ai/articles/", settings_ai.article_add, name="settings_article_add"),
    path(
        "settings/ai/articles/<int:article_id>/<str:what>/",
        settings_ai.article_change,
        name="settings_article",
    ),
    path("settings/service/", settings_views.service, name="settings_service"),
    path("reports/", report_views.reports_page, name="reports"),
    path("reports/csv/", report_views.report_csv, name="report_csv"),
    path("reports/export/", report_views.export_conversations, name="report_export"),
    path(
        "reports/exports/<int:export_id>/",
        report_views.export_download,
        name="report_export_download",
    ),
    path("settings/account/", settings_views.account, name="settings_account"),
    # Settings → Channels (customer_channels/inbox_views.py)
    path("settings/channels/", channel_views.channels, name="settings_channels"),
    path("settings/channels/new/", channel_views.create, name="settings_channel_create"),
    path(
        "settings/channels/<int:channel_id>/toggle/",
        channel_views.toggle,
        name="settings_channel_toggle",
    ),
    path(
        "settings/channels/<int:channel_id>/connect/",
        channel_views.connect,
        name="settings_channel_connect",
    ),
    path(
        "settings/channels/<int:channel_id>/delete/",
        channel_views.delete,
        name="settings_channel_delete",
    ),
    path("settings/account/2fa/start/", settings_views.two_factor_start, name="2fa_start"),
    path("settings/account/2fa/confirm/", settings_views.two_factor_confirm, name="2fa_confirm"),
    path("settings/account/2fa/disable/", settings_views.two_factor_disable, name="2fa_disable"),
    path("", include("teamtools.inbox_urls")),  # notes, labels
]
