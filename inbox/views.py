"""The agent inbox pages. Thin adapters: parse a form, fetch with ``access_*``, call one action.

Every POST is a plain HTML form with CSRF that works without JavaScript (redirect after
POST); ``inbox.js`` sends the same forms with ``fetch`` and ``Accept: application/json`` to
get JSON back instead of a redirect.
"""

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth import views as auth_views
from django.db.models import prefetch_related_objects
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from rest_framework_simplejwt.tokens import AccessToken

from accounts import two_factor
from accounts.views import second_factor_pending
from conversations import access, actions, errors, presence, tokens
from conversations.actions import Actor
from conversations.models import Business
from conversations.snapshots import message_snapshot
from conversations.validation import is_id
from csat.models import Rating
from customer_channels.composer import reply_note
from inbox import actions as inbox_actions
from inbox import forms, login_limits, queries
from inbox.session import agent_required, select_business, wants_json
from teamtools import queries as teamtools

S = queries.S


class LoginView(auth_views.LoginView):
    template_name = "inbox/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "allow_signup": settings.ALLOW_SIGNUP}

    def get(self, request, *args, **kwargs):
        if not Business.objects.exists():
            return redirect("accounts:setup")  # a fresh install: create the first business
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        # Right password; with two-factor login on, the code comes next (accounts.views).
        user = form.get_user()
        if two_factor.enabled_for(user):
            second_factor_pending(self.request, user, self.get_success_url())
            return redirect("accounts:login_code")
        return super().form_valid(form)

    @method_decorator(login_limits.limited)
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class LogoutView(auth_views.LogoutView):
    next_page = "inbox:login"

    def post(self, request, *args, **kwargs):
        # The page's realtime JWTs stop working with the session that was given them.
        jtis = request.session.get(PAGE_TOKENS_KEY) or []
        if jtis and request.user.is_authenticated:
            expires = timezone.now() + settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]
            tokens.revoke_access_jtis(request.user, jtis, expires)
        return super().post(request, *args, **kwargs)


def error_response(request, exc: errors.DomainError, fallback_url: str):
    """A refused action: JSON in the API's error shape for fetch, a flash message otherwise."""
    if wants_json(request):
        return JsonResponse(
            {"error": exc.title, "message": exc.message, "code": exc.code},
            status=exc.http_status,
        )
    flash.error(request, exc.message)
    return redirect(fallback_url)


def form_error(request, form, fallback_url: str):
    """Every refused form says why in words (the fields' own messages, one sentence each)."""
    message = " ".join(" ".join(errs) for errs in form.errors.values())
    return error_response(request, errors.ValidationFailed(message), fallback_url)


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


PAGE_TOKENS_KEY = "pingback_page_jtis"
PAGE_TOKENS_MAX = 200  # the newest ones; older ones have expired long before


def realtime_token(request) -> str:
    """A short-lived access JWT for the page's own WebSocket / Socket.IO connections.

    Its jti is remembered in the session, so logging out revokes it.
    """
    token = AccessToken.for_user(request.user)
    jtis = [*(request.session.get(PAGE_TOKENS_KEY) or []), token["jti"]][-PAGE_TOKENS_MAX:]
    request.session[PAGE_TOKENS_KEY] = jtis
    return str(token)


def notify_settings(agent) -> dict:
    """What inbox.js may notify this agent about (json_script'ed into every page)."""
    prefs = inbox_actions.preferences_of(agent)
    return {name: getattr(prefs, name) for name in forms.PreferencesForm.base_fields}


def page_context(request, **extra) -> dict:
    return {
        "agent": request.agent,
        "business": request.business,
        "memberships": request.inbox_memberships,
        "agent_statuses": forms.Agent.Status.choices,
        "realtime_token": realtime_token(request),
        "message_max_length": settings.MESSAGE_MAX_LENGTH,
        "presence_idle_seconds": settings.PRESENCE_IDLE_SECONDS,
        "notify": notify_settings(request.agent),
        **extra,
    }


# --- list ---------------------------------------------------------------------------------


def list_context(request, filters, current_id=None) -> dict:
    rows, next_row = queries.conversation_page(request.agent, filters)
    counts = queries.filter_counts(request.agent, filters)
    return {
        "filters": filters,
        "rows": rows,
        "next_cursor": forms.encode_cursor(next_row) if next_row else None,
        "counts": counts,
        "team": queries.team(request.business),
        "status_filters": forms.STATUS_FILTERS,
        "business_labels": teamtools.business_labels(request.business, current_id),
        "current_id": current_id,
        # The unfiltered list with no conversation in any status yet ("all": every one the
        # agent may see) shows the embed snippet and help instead.
        "business_is_empty": filters == queries.InboxFilters() and counts["all"] == 0,
    }


@require_GET
@agent_required
def inbox(request):
    form = forms.InboxFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "inbox/bad_request.html", {"form": form}, status=400)
    filters = queries.InboxFilters(**form.cleaned_data)
    context = list_context(request, filters, current_id=form.current_id)
    if request.GET.get("fragment"):
        # The list part alone: inbox.js patches the rows that changed when a live update arrives.
        return render(request, "inbox/_list.html", {**context, "agent": request.agent})
    return render(request, "inbox/inbox.html", page_context(request, **context))


# --- conversation ------------------------------------------------------------------------


def conversation_url(conv_id) -> str:
    return reverse("inbox:conversation", args=[conv_id])


@require_GET
@agent_required
def conversation(request, conv_id):
    conv = access.access_conversation(request.business, conv_id, agent=request.agent)
    # Reading is a POST the page sends once it is visible (inbox.js), never a side effect
    # of GET: a prefetch or a background tab does not mark anything read.
    history, has_older = queries.recent_messages(conv)
    listed = list_context(request, queries.InboxFilters(), current_id=conv.pk)
    return render(
        request,
        "inbox/conversation.html",
        page_context(
            request,
            **listed,
            conv=conv,
            history=history,
            has_older=has_older,
            **teamtools.conversation_context(
                conv, history, has_older, listed["business_labels"], request.agent
            ),
            last_message_id=history[-1].pk if history else 0,
            rating=Rating.objects.filter(conversation=conv).first(),
            reply_note=reply_note(conv),
        ),
    )


@require_GET
@agent_required
def conversation_messages(request, conv_id):
    """Messages after ``?after=<id>``, oldest first: catch-up after a dropped socket."""
    conv = access.access_conversation(request.business, conv_id, agent=request.agent)
    after = request.GET.get("after", "")
    if after and not is_id(after):
        return JsonResponse(
            {
                "error": "Bad request",
                "message": "after must be a message id.",
                "code": "VALIDATION_ERROR",
            },
            status=400,
        )
    rows = access.messages_after(conv, int(after) if after else None, limit=queries.MESSAGE_PAGE)
    if request.GET.get("format") == "html":
        # The same partial as the first render: one template for every message on screen.
        prefetch_related_objects(rows, "outbound__channel")  # a reply's channel send
        return render(request, "inbox/_messages.html", {"messages_page": rows, "conv": conv})
    return JsonResponse(
        {
            "conversation": {"id": conv.pk, "status": conv.status},
            "messages": [message_snapshot(m) for m in rows],
        }
    )


@require_POST
@agent_required
def reply(request, conv_id):
    conv = access.access_conversation(request.business, conv_id, agent=request.agent)
    form = forms.ReplyForm(request.POST)
    back = conversation_url(conv.pk)
    if not form.is_valid():
        return form_error(request, form, back)
    try:
        message, created = actions.do_post_message(
            conv,
            sender_type="agent",
            content=form.cleaned_data["content"],
            agent=request.agent,
            client_id=form.cleaned_data["client_id"] or None,
        )
    except errors.DomainError as exc:
        return error_response(request, exc, back)
    if wants_json(request):
        return JsonResponse({"message": message_snapshot(message)}, status=201 if created else 200)
    return redirect(back + "#composer")


@require_POST
@agent_required
def mark_read(request, conv_id):
    conv = access.access_conversation(request.business, conv_id, agent=request.agent)
    form = forms.ReadForm(request.POST)
    back = conversation_url(conv.pk)
    if not form.is_valid():
        return form_error(request, form, back)
    receipts = inbox_actions.do_mark_conversation_read(
        request.agent, conv, up_to_id=form.cleaned_data["up_to_id"]
    )
    if wants_json(request):
        return JsonResponse({"receipts": receipts})
    return redirect(back)


@require_POST
@agent_required
def assign(request, conv_id):
    conv = access.access_conversation(request.business, conv_id, agent=request.agent)
    form = forms.AssignForm(request.POST)
    back = conversation_url(conv.pk)
    if not form.is_valid():
        return form_error(request, form, back)
    value = form.cleaned_data["assignee"]
    if value == "me":
        assignee = request.agent
    elif value == "":
        assignee = None
    else:
        assignee = access.access_agent(request.business, value)
    conv = actions.do_assign(conv, assignee, actor=Actor.of_agent(request.agent))
    return after_change(request, conv, "Assigned." if assignee else "Unassigned.")


STATUS_ACTIONS = {
    "resolve": (actions.do_resolve, "Resolved."),
    "close": (actions.do_close, "Closed."),
    "reopen": (actions.do_reopen, "Reopened."),
    "pending": (actions.do_set_pending, "Set to pending."),
    "open": (lambda conv, actor: actions.do_set_status(conv, S.OPEN, actor=actor), "Opened."),
}


@require_POST
@agent_required
def change_status(request, conv_id):
    conv = access.access_conversation(request.business, conv_id, agent=request.agent)
    form = forms.StatusForm(request.POST)
    back = conversation_url(conv.pk)
    if not form.is_valid():
        return form_error(request, form, back)
    do, done = STATUS_ACTIONS[form.cleaned_data["action"]]
    try:
        conv = do(conv, actor=Actor.of_agent(request.agent))
    except errors.DomainError as exc:
        return error_response(request, exc, back)
    return after_change(request, conv, done)


@require_POST
@agent_required
def clear_handoff(request, conv_id):
    conv = access.access_conversation(request.business, conv_id, agent=request.agent)
    conv = actions.do_clear_handoff(conv, actor=Actor.of_agent(request.agent))
    return after_change(request, conv, "Handoff cleared.")


@require_POST
@agent_required
def toggle_ai(request, conv_id):
    """Turn the AI assistant on or off for one conversation."""
    conv = access.access_conversation(request.business, conv_id, agent=request.agent)
    enabled = request.POST.get("enabled")
    if enabled not in ("true", "false"):
        return error_response(
            request,
            errors.ValidationFailed("enabled must be true or false."),
            conversation_url(conv.pk),
        )
    conv = actions.do_set_ai_enabled(conv, enabled == "true", actor=Actor.of_agent(request.agent))
    return after_change(
        request, conv, "AI assistant on." if conv.ai_enabled else "AI assistant off."
    )


def after_change(request, conv, done: str):
    """Back to the conversation, or to the list when the caller can no longer see it."""
    visible = access.agent_can_see(request.agent, conv)
    if wants_json(request):
        return JsonResponse(
            {
                "conversation": {
                    "id": conv.pk,
                    "status": conv.status,
                    "assignee_id": conv.assignee_id,
                    "needs_human_handoff": conv.needs_human_handoff,
                    "ai_enabled": conv.ai_enabled,
                },
                "visible": visible,
            }
        )
    flash.success(request, done)
    return redirect(conversation_url(conv.pk) if visible else reverse("inbox:inbox"))


# --- the agent and the session --------------------------------------------------------------


@require_POST
@agent_required
def agent_status(request):
    form = forms.AgentStatusForm(request.POST)
    back = safe_next(request, reverse("inbox:inbox"))
    if not form.is_valid():
        return form_error(request, form, back)
    agent = presence.set_manual(request.agent, form.cleaned_data["status"])
    if wants_json(request):
        return JsonResponse({"agent": {"id": agent.pk, "status": agent.status}})
    flash.success(request, f"You are {agent.status}.")
    return redirect(back)


@agent_required
def preferences(request):
    """The "My preferences" page: which events notify me, and how."""
    if request.method == "POST":
        form = forms.PreferencesForm(request.POST)
        if not form.is_valid():
            return form_error(request, form, reverse("inbox:preferences"))
        inbox_actions.do_set_preferences(request.agent, **form.cleaned_data)
        if wants_json(request):
            return JsonResponse({"preferences": form.cleaned_data})
        flash.success(request, "Preferences saved.")
        return redirect("inbox:preferences")
    if request.method != "GET":
        return JsonResponse({"error": "Method not allowed"}, status=405)
    prefs = inbox_actions.preferences_of(request.agent)
    initial = {name: getattr(prefs, name) for name in forms.PreferencesForm.base_fields}
    return render(
        request,
        "inbox/preferences.html",
        page_context(request, form=forms.PreferencesForm(initial=initial)),
    )


@require_POST
@agent_required
def presence_idle(request):
    """An inbox tab reports its agent idle (no input for PRESENCE_IDLE_SECONDS) or back."""
    form = forms.PresenceIdleForm(request.POST)
    if not form.is_valid():
        return form_error(request, form, reverse("inbox:inbox"))
    agent = presence.set_idle(
        request.agent, form.cleaned_data["connection"], form.cleaned_data["idle"]
    )
    if agent is None:
        return error_response(
            request,
            errors.NotFound(
                "That connection is not one of your open inbox tabs.", code="NOT_FOUND"
            ),
            reverse("inbox:inbox"),
        )
    return JsonResponse({"agent": {"id": agent.pk, "status": agent.status}})


@require_POST
@agent_required
def switch_business(request):
    form = forms.SwitchBusinessForm(request.POST)
    if not form.is_valid():
        return form_error(request, form, reverse("inbox:inbox"))
    agent = select_business(request, form.cleaned_data["business"])
    flash.success(request, f"Now working in {agent.business.name}.")
    return redirect("inbox:inbox")


@require_GET
@agent_required
def token(request):
    """A fresh access JWT for reconnecting after the page's one expired."""
    return JsonResponse({"token": realtime_token(request)})
