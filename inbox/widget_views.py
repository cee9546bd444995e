"""Widget pages: the demo page (a stand-in customer website embedding ``widget.js``) and
the agents' availability the widget shows before any live event arrives."""

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from business_settings.origins import widget_origin_check
from business_settings.widget_config import widget_config
from conversations import access, errors, presence
from conversations.demo import DEMO_BUSINESS_NAME
from conversations.models import Agent, Business


@require_GET
def demo(request):
    business = Business.objects.filter(name=DEMO_BUSINESS_NAME).order_by("pk").first()
    if business is None:
        raise Http404("No demo business yet: run `python manage.py demo` first.")
    return render(request, "widget/demo.html", {"business": business})


@require_GET
@xframe_options_sameorigin  # shown in an iframe of Settings → Widget
def preview(request):
    """The real widget of a business on a blank page (Settings → Widget's live preview)."""
    try:
        business = access.business_by_public_id(request.GET.get("business_id"))
    except errors.BusinessNotFound as exc:
        raise Http404(exc.message) from None
    return render(request, "widget/preview.html", {"business": business})


@require_GET
def availability(request):
    """Presence of a business's agents for the widget's header (public, like the widget)."""
    try:
        business = access.business_by_public_id(request.GET.get("business_id"))
    except errors.BusinessNotFound as exc:
        response = JsonResponse(
            {"error": "Not found", "message": exc.message, "code": exc.code}, status=404
        )
    else:
        # Statuses the connections no longer back (a restart, a dead process) are corrected
        # first: the widget never says "online" for a team with no inbox open.
        presence.sweep(business)
        agents = Agent.objects.filter(business=business).values_list("pk", "status")
        response = JsonResponse(
            {"agents": [{"agent_id": pk, "status": status} for pk, status in agents]}
        )
    # Called by widget.js from the customer's own site.
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def widget_settings(request):
    """The widget's look, texts and whether the business is open now (public, like the widget).

    A page on a website the business did not allow gets 403 ``ORIGIN_NOT_ALLOWED``."""
    origin = request.headers.get("Origin")
    try:
        business = access.business_by_public_id(request.GET.get("business_id"))
        widget_origin_check(business, origin, request.get_host())
    except errors.DomainError as exc:
        response = JsonResponse(
            {"error": exc.title, "message": exc.message, "code": exc.code},
            status=exc.http_status,
        )
    else:
        response = JsonResponse(widget_config(business))
    # Readable by the page that asked (it shows why it is refused, too).
    response["Access-Control-Allow-Origin"] = origin or "*"
    response["Vary"] = "Origin"
    response["Cache-Control"] = "no-store"
    return response
