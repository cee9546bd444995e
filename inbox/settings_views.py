"""Inbox settings pages: the welcome page with the widget snippet, the team (invitations, roles,
removal) and my account (password). Owners and admins manage; everyone manages their account.

Thin adapters like ``inbox.views``: parse a form, call one ``accounts.actions`` function,
redirect (or JSON for ``fetch``). Other businesses' ids are 404s, as everywhere.
"""

from __future__ import annotations

import logging

from django.contrib import messages as flash
from django.contrib.auth import update_session_auth_hash
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import actions as account_actions
from accounts import emails, links, totp, two_factor
from accounts.actions import Manager
from accounts.forms import ChangePasswordForm
from accounts.models import Invitation, TwoFactor
from business_settings import actions as settings_actions
from business_settings import hours as business_hours
from business_settings.models import WidgetSettings
from business_settings.widget_config import widget_config
from business_settings.widget_texts import texts
from conversations import access, actions, errors
from conversations.models import Agent
from inbox.session import agent_required, wants_json
from inbox.settings_forms import BusinessHoursForm, ServiceSettingsForm, WidgetSettingsForm
from inbox.settings_sections import visible_sections
from inbox.views import error_response, page_context

logger = logging.getLogger(__name__)


def settings_context(request, current: str, **extra) -> dict:
    return page_context(
        request, sections=visible_sections(request.agent), current_section=current, **extra
    )


def manager_required(view):
    """Owners and admins only: a plain agent gets 403 in words (JSON for scripts)."""

    def wrapper(request, *args, **kwargs):
        if not request.agent.is_manager:
            exc = errors.PermissionDenied(
                "Only owners and admins change these settings.", code="NOT_A_MANAGER"
            )
            if wants_json(request):
                return error_response(request, exc, "")
            return render(
                request, "inbox/settings/forbidden.html", settings_context(request, ""), status=403
            )
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def done(request, message: str, url_name: str, **data):
    if wants_json(request):
        return JsonResponse({"ok": True, "message": message, **data})
    flash.success(request, message)
    return redirect(url_name)


@require_GET
@agent_required
def settings_home(request):
    """``/inbox/settings/``: the first section this member may open."""
    return redirect(f"inbox:{visible_sections(request.agent)[0].url_name}")


@require_GET
@agent_required
def welcome(request):
    """After setup: the snippet to paste and the next steps."""
    return render(request, "inbox/settings/welcome.html", settings_context(request, ""))


@require_GET
@agent_required
@manager_required
def team(request):
    members = Agent.objects.filter(business=request.business).select_related("user")
    invitations = [i for i in Invitation.objects.filter(business=request.business) if i.is_pending]
    return render(
        request,
        "inbox/settings/team.html",
        settings_context(
            request,
            "settings_team",
            members=members.order_by("user__first_name", "pk"),
            invitations=invitations,
            roles=Agent.Role.choices,
        ),
    )


@require_POST
@agent_required
@manager_required
def invite(request):
    back = reverse("inbox:settings_team")
    try:
        invitation, raw = account_actions.invite(
            Manager.of_agent(request.agent),
            request.POST.get("email", ""),
            request.POST.get("role") or "agent",
        )
    except errors.DomainError as exc:
        return error_response(request, exc, back)
    link = links.invitation_link(request, raw)
    try:
        emails.send_invitation(invitation, link)
    except Exception:
        logger.exception("invitation email for invitation %s failed", invitation.pk)
        # The email did not go out: the inviter may pass the link on themselves.
        return error_response(
            request,
            errors.DomainError(
                f"The invitation email to {invitation.email} could not be sent (check EMAIL_URL). "
                f"Send them this link yourself: {link}",
                code="EMAIL_FAILED",
            ),
            back,
        )
    return done(
        request,
        f"Invitation sent to {invitation.email}.",
        "inbox:settings_team",
        invitation={"id": invitation.pk, "email": invitation.email, "role": invitation.role},
    )


@require_POST
@agent_required
@manager_required
def revoke_invitation(request, invitation_id):
    try:
        invitation = account_actions.revoke_invitation(
            Manager.of_agent(request.agent), invitation_id
        )
    except errors.NotFound:
        raise  # another business's invitation: the 404 page
    except errors.DomainError as exc:
        return error_response(request, exc, reverse("inbox:settings_team"))
    return done(request, f"Invitation to {invitation.email} withdrawn.", "inbox:settings_team")


@require_POST
@agent_required
@manager_required
def member_role(request, agent_id):
    back = reverse("inbox:settings_team")
    target = access.access_agent(request.business, agent_id)  # another business's: 404
    try:
        target = account_actions.change_role(
            Manager.of_agent(request.agent), target, request.POST.get("role", "")
        )
    except errors.DomainError as exc:
        return error_response(request, exc, back)
    return done(
        request,
        f"{target.display_name} is now {target.get_role_display().lower()}.",
        "inbox:settings_team",
    )


@require_POST
@agent_required
@manager_required
def member_remove(request, agent_id):
    back = reverse("inbox:settings_team")
    target = access.access_agent(request.business, agent_id)  # another business's: 404
    name = target.display_name
    try:
        account_actions.remove_member(Manager.of_agent(request.agent), target)
    except errors.DomainError as exc:
        return error_response(request, exc, back)
    if target.pk == request.agent.pk:
        return redirect("inbox:inbox")
    return done(request, f"{name} is no longer a member.", "inbox:settings_team")


@require_http_methods(["GET", "POST"])
@agent_required
def account(request):
    """My account: change my password (every other session and token is logged out)."""
    form = ChangePasswordForm(request.POST or None)
    if request.method == "POST":
        back = reverse("inbox:settings_account")
        if not form.is_valid():
            message = " ".join(" ".join(e) for e in form.errors.values())
            return error_response(request, errors.ValidationFailed(message), back)
        try:
            account_actions.change_password(
                request.user, form.cleaned_data["current"], form.cleaned_data["password"]
            )
        except errors.DomainError as exc:
            return error_response(request, exc, back)
        update_session_auth_hash(request, request.user)  # this session stays logged in
        return done(request, "Password changed.", "inbox:settings_account")
    return render_account(request)


def render_account(request, **extra):
    user = request.user
    device = TwoFactor.objects.filter(user=user).first()
    pending = device is not None and device.confirmed_at is None
    return render(
        request,
        "inbox/settings/account.html",
        settings_context(
            request,
            "settings_account",
            two_factor_on=device is not None and device.confirmed_at is not None,
            setup_secret=device.secret if pending else "",
            setup_uri=totp.provisioning_uri(device.secret, user.email) if pending else "",
            recovery_left=two_factor.recovery_codes_left(user),
            **extra,
        ),
    )


@require_POST
@agent_required
def two_factor_start(request):
    try:
        two_factor.start(request.user)
    except errors.DomainError as exc:
        return error_response(request, exc, reverse("inbox:settings_account"))
    return redirect("inbox:settings_account")


@require_POST
@agent_required
def two_factor_confirm(request):
    try:
        codes = two_factor.confirm(request.user, request.POST.get("code", ""))
    except errors.DomainError as exc:
        return error_response(request, exc, reverse("inbox:settings_account"))
    if wants_json(request):
        return JsonResponse({"ok": True, "recovery_codes": codes})
    # The recovery codes are shown once, on this answer only.
    return render_account(request, recovery_codes=codes)


@require_POST
@agent_required
def two_factor_disable(request):
    try:
        two_factor.disable(request.user, request.POST.get("password", ""))
    except errors.DomainError as exc:
        return error_response(request, exc, reverse("inbox:settings_account"))
    return done(request, "Two-factor login is off.", "inbox:settings_account")


def _form_or_action(request, form, action, url_name: str, message: str):
    """Validate ``form``, call ``action(business, **data)``; refusals say why (400/403 JSON or a
    flash message)."""
    back = reverse(url_name)
    if not form.is_valid():
        text = " ".join(f"{name}: {' '.join(e)}" for name, e in form.errors.items())
        return error_response(request, errors.ValidationFailed(text), back)
    try:
        action(request.business, **form.cleaned_for_action())
    except errors.DomainError as exc:
        return error_response(request, exc, back)
    return done(request, message, url_name)


@require_http_methods(["GET", "POST"])
@agent_required
@manager_required
def widget(request):
    """The widget's look, texts, language and allowed websites, with a live preview."""
    if request.method == "POST":
        return _form_or_action(
            request,
            WidgetSettingsForm(request.POST),
            settings_actions.update_widget_settings,
            "inbox:settings_widget",
            "Widget settings saved.",
        )
    ws = settings_actions.widget_settings_of(request.business)
    initial = {name: getattr(ws, name) for name in WidgetSettingsForm.base_fields}
    initial["allowed_domains"] = "\n".join(ws.allowed_domains or [])
    return render(
        request,
        "inbox/settings/widget.html",
        settings_context(
            request,
            "settings_widget",
            form=WidgetSettingsForm(initial=initial),
            config=widget_config(request.business),
            all_texts={code: texts(code) for code, _ in WidgetSettings.Language.choices},
        ),
    )


@require_http_methods(["GET", "POST"])
@agent_required
@manager_required
def hours(request):
    """Business hours: time zone, weekly schedule, holidays and the automatic away reply."""
    if request.method == "POST":
        return _form_or_action(
            request,
            BusinessHoursForm(request.POST),
            settings_actions.update_business_hours,
            "inbox:settings_hours",
            "Business hours saved.",
        )
    current = business_hours.hours_of(request.business)
    form = BusinessHoursForm(
        initial=BusinessHoursForm.initial_from(current, request.business.timezone)
    )
    return render(
        request,
        "inbox/settings/hours.html",
        settings_context(
            request,
            "settings_hours",
            form=form,
            open_now=business_hours.is_open(request.business, hours=current),
        ),
    )


@require_http_methods(["GET", "POST"])
@agent_required
@manager_required
def service(request):
    """Automatic assignment (round robin, capacity) and the CSAT question."""
    if request.method == "POST":
        return _form_or_action(
            request,
            ServiceSettingsForm(request.POST),
            actions.do_update_business_settings,
            "inbox:settings_service",
            "Assignment and rating settings saved.",
        )
    b = request.business
    form = ServiceSettingsForm(
        initial={
            "auto_assign_mode": b.auto_assign_mode,
            "auto_assign_capacity": b.auto_assign_capacity,
            "csat_enabled": b.csat_enabled,
        }
    )
    return render(
        request,
        "inbox/settings/service.html",
        settings_context(request, "settings_service", form=form),
    )
