"""Mounted at ``api/v1/``: ``webhooks/...`` routes, each with or without a trailing slash."""

from django.urls import re_path

from webhooks.api import views

ID = r"(?P<webhook_id>[0-9]+)"
DELIVERY = ID + r"/deliveries/(?P<delivery_id>[0-9]+)"

urlpatterns = [
    re_path(r"^webhooks/?$", views.WebhookListView.as_view(), name="webhooks"),
    re_path(r"^webhooks/events/?$", views.WebhookEventsView.as_view(), name="webhook-events"),
    re_path(rf"^webhooks/{ID}/?$", views.WebhookDetailView.as_view(), name="webhook"),
    re_path(rf"^webhooks/{ID}/enable/?$", views.WebhookEnableView.as_view(), name="webhook-enable"),
    re_path(
        rf"^webhooks/{ID}/disable/?$", views.WebhookDisableView.as_view(), name="webhook-disable"
    ),
    re_path(
        rf"^webhooks/{ID}/rotate-secret/?$",
        views.WebhookRotateSecretView.as_view(),
        name="webhook-rotate-secret",
    ),
    re_path(rf"^webhooks/{ID}/test/?$", views.WebhookTestView.as_view(), name="webhook-test"),
    re_path(
        rf"^webhooks/{ID}/deliveries/?$",
        views.DeliveryListView.as_view(),
        name="webhook-deliveries",
    ),
    re_path(
        rf"^webhooks/{DELIVERY}/?$", views.DeliveryDetailView.as_view(), name="webhook-delivery"
    ),
    re_path(
        rf"^webhooks/{DELIVERY}/attempts/?$",
        views.DeliveryAttemptsView.as_view(),
        name="webhook-delivery-attempts",
    ),
    re_path(
        rf"^webhooks/{DELIVERY}/replay/?$",
        views.DeliveryReplayView.as_view(),
        name="webhook-delivery-replay",
    ),
]
