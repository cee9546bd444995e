"""Settings → API keys and Settings → Webhooks (owners and admins): the developer surfaces,
through the same actions as the REST API (``conversations.actions`` for keys, ``webhooks.actions``
for endpoints). Secrets are shown once, on the answer that created them."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from conversations import actions, errors
from conversations.models import ApiKey
from inbox.session import agent_required
from inbox.settings_views import done, manager_required, settings_context
from inbox.views import error_response
from webhooks import actions as webhook_actions
from webhooks import payloads
from webhooks.models import WebhookDelivery


def access_key(business, key_id) -> ApiKey:
    key = ApiKey.objects.filter(business=business, pk=key_id).first()
    if key is None:
        raise errors.NotFound("Unknown API key.", code="API_KEY_NOT_FOUND")
    return key


def api_keys_page(request, **extra):
    keys = ApiKey.objects.filter(business=request.business).select_related("created_by")
    return render(
        request,
        "inbox/settings/api_keys.html",
        settings_context(request, "settings_api_keys", keys=keys, **extra),
    )


@require_http_methods(["GET", "POST"])
@agent_required
@manager_required
def api_keys(request):
    if request.method == "GET":
        return api_keys_page(request)
    name = " ".join((request.POST.get("name") or "").split())
    if not name or len(name) > 100:
        exc = errors.ValidationFailed("Give the key a name of 1-100 characters.")
        return error_response(request, exc, reverse("inbox:settings_api_keys"))
    key, raw = actions.create_api_key(request.business, name, created_by=request.user)
    return api_keys_page(request, new_key=key, raw_key=raw)


@require_POST
@agent_required
@manager_required
def api_key_revoke(request, key_id):
    key = access_key(request.business, key_id)  # another business's: 404
    actions.revoke_api_key(key)
    return done(request, f"API key {key.name} revoked.", "inbox:settings_api_keys")


# --- webhooks -------------------------------------------------------------------------------


def events_from(raw: str) -> list[str]:
    return [e for e in (raw or "").replace(",", " ").split() if e] or [payloads.ALL]


def webhooks_page(request, **extra):
    endpoints = request.business.webhooks.order_by("pk")
    return render(
        request,
        "inbox/settings/webhooks.html",
        settings_context(
            request,
            "settings_webhooks",
            endpoints=endpoints,
            catalogue=list(payloads.CATALOGUE),
            **extra,
        ),
    )


@require_http_methods(["GET", "POST"])
@agent_required
@manager_required
def webhooks(request):
    if request.method == "GET":
        return webhooks_page(request)
    try:
        endpoint, secret = webhook_actions.create_endpoint(
            request.business,
            url=request.POST.get("url", ""),
            events=events_from(request.POST.get("events", "")),
            description=request.POST.get("description", ""),
        )
    except errors.DomainError as exc:
        return error_response(request, exc, reverse("inbox:settings_webhooks"))
    return webhooks_page(request, new_endpoint=endpoint, secret=secret)


def endpoint_page(request, endpoint, **extra):
    deliveries = (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .order_by("-pk")
        .prefetch_related("attempts")[:50]
    )
    return render(
        request,
        "inbox/settings/webhook.html",
        settings_context(
            request,
            "settings_webhooks",
            endpoint=endpoint,
            deliveries=deliveries,
            events=" ".join(endpoint.events),
            **extra,
        ),
    )


@require_http_methods(["GET", "POST"])
@agent_required
@manager_required
def webhook(request, endpoint_id):
    """One endpoint: edit it, its delivery log with every attempt, replay, test, delete."""
    endpoint = webhook_actions.access_endpoint(request.business, endpoint_id)
    if request.method == "GET":
        return endpoint_page(request, endpoint)
    back = reverse("inbox:settings_webhook", args=[endpoint.pk])
    try:
        webhook_actions.update_endpoint(
            endpoint,
            url=request.POST.get("url", ""),
            events=events_from(request.POST.get("events", "")),
            description=request.POST.get("description", ""),
            enabled=request.POST.get("enabled") == "on",
        )
    except errors.DomainError as exc:
        return error_response(request, exc, back)
    return done(request, "Webhook saved.", back)


@require_POST
@agent_required
@manager_required
def webhook_action(request, endpoint_id, what):
    endpoint = webhook_actions.access_endpoint(request.business, endpoint_id)
    back = reverse("inbox:settings_webhook", args=[endpoint.pk])
    try:
        if what == "test":
            webhook_actions.send_test_event(endpoint)
            return done(request, "Test event queued: see the log below.", back)
        if what == "delete":
            webhook_actions.delete_endpoint(endpoint)
            return done(request, "Webhook deleted.", reverse("inbox:settings_webhooks"))
        if what == "rotate":
            _, secret = webhook_actions.rotate_secret(endpoint)
            return endpoint_page(request, endpoint, secret=secret)
    except errors.DomainError as exc:
        return error_response(request, exc, back)
    raise errors.NotFound("Unknown webhook action.")


@require_POST
@agent_required
@manager_required
def delivery_replay(request, endpoint_id, delivery_id):
    endpoint = webhook_actions.access_endpoint(request.business, endpoint_id)
    delivery = webhook_actions.access_delivery(endpoint, delivery_id)
    back = reverse("inbox:settings_webhook", args=[endpoint.pk])
    try:
        webhook_actions.replay_delivery(delivery)
    except errors.DomainError as exc:
        return error_response(request, exc, back)
    return done(request, f"Delivery {delivery.webhook_id} queued again.", back)
