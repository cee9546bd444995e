"""The reports page of the inbox (owners and admins): filters, figures, SVG charts, CSV links
and conversation exports. Reads only the rollups (``reports.queries``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from conversations import errors
from conversations.models import Conversation
from inbox.session import agent_required, wants_json
from inbox.settings_views import manager_required
from inbox.views import error_response, page_context
from reports import business_hours, charts, csv_files, exports, filters, queries
from reports.models import ConversationExport
from teamtools.models import Label

RECENT_EXPORTS = 5
PENDING, RUNNING = ConversationExport.Status.PENDING, ConversationExport.Status.RUNNING
FILTER_NAMES = ("from", "to", "channel", "agent_id", "label_id", "business_hours")


def refused(request, exc: errors.DomainError):
    """A bad filter: the API's error shape for scripts, the inbox's bad-request page otherwise
    (with what was wrong)."""
    if wants_json(request):
        return error_response(request, exc, "")
    field = exc.details.get("field", "filter")
    context = {"form": {"errors": {field: [exc.message]}}}
    return render(request, "inbox/bad_request.html", context, status=exc.http_status)


@require_GET
@agent_required
@manager_required
def reports_page(request):
    business = request.business
    try:
        f = filters.parse(business, request.GET)
    except errors.DomainError as exc:
        return refused(request, exc)
    report = queries.summary(business, f)
    recent = list(ConversationExport.objects.filter(business=business)[:RECENT_EXPORTS])
    query = urlencode({k: v for k, v in request.GET.items() if v})
    return render(
        request,
        "reports/reports.html",
        page_context(
            request,
            report=report,
            f=f,
            query=query,
            agents=business.agents.select_related("user").order_by("id"),
            labels=Label.objects.filter(business=business).order_by("name"),
            channels=Conversation.Channel.choices,
            has_hours=business_hours.has_hours(business),
            volume=charts.volume(report["days"]),
            trend=charts.trend(report["days"]),
            heat=charts.heatmap(report["heatmap"]),
            csv_reports=csv_files.REPORTS,
            exports=recent,
            exporting=any(e.status in (PENDING, RUNNING) for e in recent),
        ),
    )


@require_GET
@agent_required
@manager_required
def report_csv(request):
    business = request.business
    try:
        which = csv_files.check(request.GET.get("report", ""))
        report = queries.summary(business, filters.parse(business, request.GET))
    except errors.DomainError as exc:
        return refused(request, exc)
    return csv_files.response(report, which)


@require_POST
@agent_required
@manager_required
def export_conversations(request):
    business = request.business
    try:
        f = filters.parse(business, request.POST)
    except errors.DomainError as exc:
        return refused(request, exc)
    exports.do_request_export(business, f, requested_by=request.agent.user.email)
    kept = {k: v for k, v in request.POST.items() if k in FILTER_NAMES and v}
    return redirect(reverse("inbox:reports") + "?" + urlencode(kept))


@require_GET
@agent_required
@manager_required
def export_download(request, export_id):
    export = ConversationExport.objects.filter(business=request.business, pk=export_id).first()
    if export is None or export.status != ConversationExport.Status.READY:
        return refused(request, errors.NotFound("Export not found.", code="EXPORT_NOT_FOUND"))
    return exports.file_response(export)
