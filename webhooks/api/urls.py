"""Mounted at ``api/v1/webhooks``; every route works with and without a trailing slash."""

from django.urls import re_path

from webhooks.api import views

ID = r"(?P<webhook_id>[0-9]+)"
DELIVERY = ID + r"/deliveries/(?P<delivery_id>[0-9]+)"

urlpatterns = [
    re_path(r"^/?$", views.WebhookListView.as_view(), name="webhooks"),
    re_path(r"^/events/?$", views.WebhookEventsView.as_view(), name="webhook-events"),
    re_path(rf"^/{ID}/?$", views.WebhookDetailView.as_view(), name="webhook"),
    re_path(rf"^/{ID}/enable/?$", views.WebhookEnableView.as_view(), name="webhook-enable"),
    re_path(rf"^/{ID}/disable/?$", views.WebhookDisableView.as_view(), name="webhook-disable"),
    re_path(
        rf"^/{ID}/rotate-secret/?$",
        views.WebhookRotateSecretView.as_view(),
        name="webhook-rotate-secret",
    ),
    re_path(rf"^/{ID}/test/?$", views.WebhookTestView.as_view(), name="webhook-test"),
    re_path(rf"^/{ID}/deliveries/?$", views.DeliveryListView.as_view(), name="webhook-deliveries"),
    re_path(rf"^/{DELIVERY}/?$", views.DeliveryDetailView.as_view(), name="webhook-delivery"),
    re_path(
        rf"^/{DELIVERY}/attempts/?$",
        views.DeliveryAttemptsView.as_view(),
        name="webhook-delivery-attempts",
    ),
    re_path(
        rf"^/{DELIVERY}/replay/?$",
        views.DeliveryReplayView.as_view(),
        name="webhook-delivery-replay",
    ),
]
