"""Inbox pages of the privacy app (owners and admins only): erase a conversation's customer,
request and download data exports. Plain forms, redirect after POST."""

from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conversations import access, errors
from conversations.actions import Actor
from inbox.session import agent_required
from inbox.views import conversation_url, error_response, page_context
from privacy import actions
from privacy.api.views import access_export, download
from privacy.models import DataExport


def _managers_only(request) -> None:
    if not request.agent.is_manager:
        raise errors.PermissionDenied("Only owners and admins may do this.")


@require_POST
@agent_required
def erase_customer(request, conv_id):
    """Erase the customer of one conversation (the "Please delete my account" request)."""
    conv = access.access_conversation(request.business, conv_id, agent=request.agent)
    try:
        _managers_only(request)
        if request.POST.get("confirm") != "yes":
            raise errors.ValidationFailed("Tick the box to confirm the erasure.")
    except errors.DomainError as exc:
        return error_response(request, exc, conversation_url(conv.pk))
    record = actions.do_erase_customer(conv.customer, actor=Actor.of_agent(request.agent))
    flash.success(
        request,
        f"Customer erased: {record.conversations} conversation(s), {record.messages} "
        f"message(s) and {record.attachments} file(s).",
    )
    return redirect(conversation_url(conv.pk))


@require_http_methods(["GET", "POST"])
@agent_required
def exports(request):
    try:
        _managers_only(request)
    except errors.DomainError as exc:
        return error_response(request, exc, reverse("inbox:inbox"))
    if request.method == "POST":
        try:
            actions.do_request_export(
                request.business,
                format=request.POST.get("format", ""),
                requested_by=f"agent {request.agent.pk} ({request.agent.display_name})",
            )
        except errors.DomainError as exc:
            return error_response(request, exc, reverse("inbox:exports"))
        flash.success(request, "Export queued: it appears below when it is ready.")
        return redirect("inbox:exports")
    rows = DataExport.objects.filter(business=request.business)[:50]
    return render(request, "privacy/exports.html", page_context(request, exports=rows))


@require_GET
@agent_required
def export_download(request, export_id):
    try:
        _managers_only(request)
    except errors.DomainError as exc:
        return error_response(request, exc, reverse("inbox:inbox"))
    export = access_export(request.business, str(export_id))
    try:
        return download(export)
    except errors.DomainError as exc:
        return error_response(request, exc, reverse("inbox:exports"))
