"""Which business an inbox page acts for: the one selected in the session.

An agent may work in several businesses. The selected one is stored in the session
(``inbox_business_id``); every inbox view is scoped to it and ids of any other business
answer 404, exactly like unknown ids.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render

from conversations import access, errors
from conversations.models import Agent, Business

SESSION_KEY = "inbox_business_id"


def resolve_agent(request) -> Agent | None:
    """The caller's membership in the selected business (first membership by default)."""
    agents = list(access.memberships(request.user).order_by("business__name", "pk"))
    request.inbox_memberships = agents
    if not agents:
        return None
    selected = request.session.get(SESSION_KEY)
    for agent in agents:
        if agent.business_id == selected:
            return agent
    request.session[SESSION_KEY] = agents[0].business_id
    return agents[0]


def select_business(request, public_id: str) -> Agent:
    """Switch the session to one of the caller's businesses; anything else is a 404."""
    for agent in access.memberships(request.user):
        if agent.business.public_id == public_id:
            request.session[SESSION_KEY] = agent.business_id
            return agent
    raise Http404("Unknown business.")


def agent_required(view):
    """Logged in, member of a business; passes ``request.agent`` and 404s on NotFound."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        agent = resolve_agent(request)
        if agent is None:
            if not Business.objects.exists():
                return redirect("accounts:setup")  # a fresh install
            return render(
                request,
                "inbox/no_business.html",
                {"allow_signup": settings.ALLOW_SIGNUP},
                status=403,
            )
        request.agent = agent
        request.business = agent.business
        try:
            return view(request, *args, **kwargs)
        except errors.NotFound as exc:
            return not_found(request, exc)

    return wrapper


GONE = (
    "This conversation is not in your inbox: a colleague may have taken it over or it was "
    "reassigned, or the link is wrong."
)


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def not_found(request, exc: errors.NotFound):
    """A sentence instead of an HTTP code: JSON for the page's scripts, the branded 404 page
    otherwise (also with DEBUG on, so agents never meet Django's debug page here)."""
    message = GONE if isinstance(exc, errors.ConversationNotFound) else exc.message
    if wants_json(request):
        return JsonResponse(
            {"error": "Not found", "message": message, "code": exc.code}, status=404
        )
    return render(request, "404.html", {"message": message}, status=404)
