"""Routes of /api/v1/. Every path works with or without its trailing slash; the schema
shows the canonical form."""

from django.urls import re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from conversations.api import events, sessions, views

ID = r"(?P<pk>[^/]+)"
SID = r"(?P<session_id>[^/]+)"


def route(pattern: str, view, name: str):
    return re_path(rf"^{pattern}/?$", view, name=name)


class SchemaView(SpectacularAPIView):
    authentication_classes = []


class SwaggerView(SpectacularSwaggerView):
    authentication_classes = []


class RedocView(SpectacularRedocView):
    authentication_classes = []


transition = views.ConversationTransitionView.as_view
urlpatterns = [
    route("auth/token", views.TokenObtainView.as_view(), "api-token"),
    route("auth/token/refresh", views.TokenRefreshView.as_view(), "api-token-refresh"),
    route("auth/logout", views.LogoutView.as_view(), "api-logout"),
    route("me", views.MeView.as_view(), "api-me"),
    route("conversations", views.ConversationListView.as_view(), "api-conversations"),
    route("conversations/handoffs", views.HandoffListView.as_view(), "api-handoffs"),
    route(f"conversations/{ID}", views.ConversationDetailView.as_view(), "api-conversation"),
    *[
        route(f"conversations/{ID}/{name}", transition(transition=name), f"api-conv-{name}")
        for name in ("resolve", "close", "reopen", "pending")
    ],
    route(f"conversations/{ID}/assign", views.ConversationAssignView.as_view(), "api-assign"),
    route(f"conversations/{ID}/unassign", views.ConversationUnassignView.as_view(), "api-unassign"),
    route(f"conversations/{ID}/handoff", views.ConversationHandoffView.as_view(), "api-handoff"),
    route(f"conversations/{ID}/messages", views.MessageListView.as_view(), "api-messages"),
    route(f"conversations/{ID}/messages/read", views.MarkReadView.as_view(), "api-read"),
    route("sessions", sessions.SessionListView.as_view(), "api-sessions"),
    route(f"sessions/{SID}", sessions.SessionDetailView.as_view(), "api-session"),
    route(f"sessions/{SID}/close", sessions.SessionCloseView.as_view(), "api-session-close"),
    route(f"sessions/{SID}/messages", sessions.SessionMessagesView.as_view(), "api-session-msgs"),
    route(f"sessions/{SID}/identify", sessions.SessionIdentifyView.as_view(), "api-identify"),
    route(f"sessions/{SID}/ai", sessions.SessionAiView.as_view(), "api-session-ai"),
    route("customers", views.CustomerListView.as_view(), "api-customers"),
    route(f"customers/{ID}", views.CustomerDetailView.as_view(), "api-customer"),
    route("agents", views.AgentListView.as_view(), "api-agents"),
    route("agents/me/status", views.AgentStatusView.as_view(), "api-agent-status"),
    route(f"agents/{ID}", views.AgentDetailView.as_view(), "api-agent"),
    route("business/settings", views.BusinessSettingsView.as_view(), "api-business-settings"),
    route("api-keys", views.ApiKeyListView.as_view(), "api-keys"),
    route(f"api-keys/{ID}", views.ApiKeyDetailView.as_view(), "api-key"),
    route("events", events.EventListView.as_view(), "api-events"),
    route("schema", SchemaView.as_view(), "api-schema"),
    route("docs", SwaggerView.as_view(url_name="api-schema"), "api-docs"),
    route("redoc", RedocView.as_view(url_name="api-schema"), "api-redoc"),
]
