"""Inbox settings → Channels: list, connect, enable/disable, delete, and failed deliveries.

Thin adapters over ``customer_channels.actions`` (the same as the REST API). A channel is
created with one form per kind; the secrets PingBack generates are shown once, on the page
that answers the creation. Owners and admins only; other businesses' ids are 404s.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from conversations import errors
from customer_channels import actions, kinds
from customer_channels.access import access_channel
from customer_channels.models import Channel, OutboundMessage
from customer_channels.serializers import inbound_url
from inbox.session import agent_required
from inbox.settings_views import manager_required, settings_context
from inbox.views import error_response

BACK = "inbox:settings_channels"
# Which form fields are settings and which credentials, per kind (kinds.FIELDS).
INT_FIELDS = {"imap_port"}
BOOL_FIELDS = {"imap_ssl"}
LABELS = {
    "email": "Email",
    "whatsapp": "WhatsApp (Cloud API)",
    "telegram": "Telegram bot",
    "api": "An API channel (your own system)",
}


def _page(request, created: Channel | None = None, secrets: dict | None = None):
    channels = list(Channel.objects.filter(business=request.business).order_by("id"))
    for channel in channels:
        channel.inbound = inbound_url(channel)
        channel.credential_names = sorted(actions.credentials_of(channel))
    failed = (
        OutboundMessage.objects.filter(business=request.business, status="failed")
        .select_related("channel", "message")
        .order_by("-id")[:20]
    )
    return render(
        request,
        "inbox/settings/channels.html",
        settings_context(
            request,
            "settings_channels",
            channels=channels,
            failed=failed,
            created=created,
            secrets=secrets,
            forms=_form_fields(),
        ),
    )


def _form_fields() -> list[dict]:
    forms = []
    for kind in ("email", "whatsapp", "telegram", "api"):
        req_s, opt_s, req_c, opt_c = kinds.FIELDS[kind]
        fields = [(name, "settings", name in req_s) for name in sorted(req_s) + sorted(opt_s)]
        fields += [(name, "credentials", name in req_c) for name in sorted(req_c) + sorted(opt_c)]
        forms.append({"kind": kind, "label": LABELS[kind], "fields": fields})
    return forms


def _values(post, names: set) -> dict:
    values: dict = {}
    for name in names:
        raw = post.get(name, "").strip()
        if not raw:
            continue
        if name in INT_FIELDS:
            values[name] = int(raw) if raw.isdigit() else raw
        elif name in BOOL_FIELDS:
            values[name] = raw in ("1", "true", "on")
        else:
            values[name] = raw
    return values


@require_GET
@agent_required
@manager_required
def channels(request):
    return _page(request)


@require_POST
@agent_required
@manager_required
def create(request):
    kind = request.POST.get("kind", "")
    if kind not in kinds.FIELDS:
        return error_response(request, errors.ValidationFailed("Unknown channel kind."), BACK)
    req_s, opt_s, req_c, opt_c = kinds.FIELDS[kind]
    try:
        channel, secrets = actions.create_channel(
            request.business,
            kind=kind,
            name=request.POST.get("name", ""),
            settings=_values(request.POST, req_s | opt_s),
            credentials=_values(request.POST, req_c | opt_c),
        )
    except errors.DomainError as exc:
        return error_response(request, exc, BACK)
    flash.success(request, f"{channel.name} connected.")
    return _page(request, created=channel, secrets=secrets)


@require_POST
@agent_required
@manager_required
def toggle(request, channel_id):
    channel = access_channel(request.business, str(channel_id))
    actions.update_channel(channel, enabled=not channel.enabled)
    flash.success(request, f"{channel.name} {'enabled' if channel.enabled else 'disabled'}.")
    return redirect(BACK)


@require_POST
@agent_required
@manager_required
def connect(request, channel_id):
    channel = access_channel(request.business, str(channel_id))
    result = actions.do_connect(channel, inbound_url(channel) or "")
    if result.success:
        flash.success(request, f"{channel.name}: the provider now sends updates to PingBack.")
    else:
        flash.error(request, f"{channel.name}: {result.error}")
    return redirect(BACK)


@require_POST
@agent_required
@manager_required
def delete(request, channel_id):
    channel = access_channel(request.business, str(channel_id))
    actions.delete_channel(channel)
    flash.success(request, f"{channel.name} deleted.")
    return redirect(BACK)
