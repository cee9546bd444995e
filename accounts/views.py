"""Public account pages: first-run setup (and optional signup), accepting an invitation,
password reset. Thin adapters: parse a form, call one action, render or redirect."""

from __future__ import annotations

import logging
import time

from django.contrib import messages as flash
from django.contrib.auth import get_user_model, login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts import actions, emails, forms, links, two_factor
from conversations import errors
from conversations.models import Business
from inbox import login_limits

logger = logging.getLogger(__name__)
BACKEND = "django.contrib.auth.backends.ModelBackend"


def sign_in(request, user, next_url: str):
    """Log in after a password was checked here; an account with two-factor login on gives
    its code first (``login_code``)."""
    if two_factor.enabled_for(user):
        second_factor_pending(request, user, next_url)
        return redirect("accounts:login_code")
    login(request, user, backend=BACKEND)
    return redirect(next_url)


def form_message(form) -> str:
    return " ".join(" ".join(errs) for errs in form.errors.values())


@require_GET
def root(request):
    """``/``: the setup page on a fresh install, the inbox otherwise."""
    return redirect("accounts:setup" if not Business.objects.exists() else "inbox:inbox")


@require_http_methods(["GET", "POST"])
@login_limits.limited
def setup(request):
    """Create a business and its owner (fresh install, or ALLOW_SIGNUP), then log them in."""
    if not actions.may_sign_up():
        return render(request, "accounts/setup_closed.html", status=404)
    first_run = not Business.objects.exists()
    form = forms.SetupForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = actions.setup_business(
                    data["business_name"], data["username"], data["password"], data["name"]
                )
            except errors.DomainError as exc:
                error = exc.message
                if exc.code == "ACCOUNT_EXISTS":
                    login_limits.record_failure(request, data["username"])
            else:
                request.session["inbox_business_id"] = result.business.pk
                return sign_in(request, result.owner.user, reverse("inbox:welcome"))
        else:
            error = form_message(form)
    return render(
        request,
        "accounts/setup.html",
        {"form": form, "error": error, "first_run": first_run},
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
@login_limits.limited
def invitation(request, token):
    try:
        pending = actions.pending_invitation(token)
    except errors.NotFound as exc:
        return render(request, "accounts/link_invalid.html", {"message": exc.message}, status=404)
    has_account = actions.user_by_email(pending.email) is not None
    form = forms.AcceptInvitationForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if form.is_valid():
            try:
                agent = actions.accept_invitation(
                    token, form.cleaned_data["name"], form.cleaned_data["password"]
                )
            except errors.NotFound as exc:
                return render(
                    request, "accounts/link_invalid.html", {"message": exc.message}, status=404
                )
            except errors.DomainError as exc:
                error = exc.message
                if exc.code == "INVALID_CREDENTIALS":
                    login_limits.record_failure(request, pending.email)
            else:
                request.session["inbox_business_id"] = agent.business_id
                flash.success(request, f"Welcome to {agent.business.name}.")
                return sign_in(request, agent.user, reverse("inbox:inbox"))
        else:
            error = form_message(form)
    return render(
        request,
        "accounts/invitation.html",
        {"invitation": pending, "form": form, "error": error, "has_account": has_account},
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def reset_request(request):
    """Ask for a reset link. The answer is the same whether or not the address has an account."""
    form = forms.ResetRequestForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(
                request,
                "accounts/reset_request.html",
                {"form": form, "error": form_message(form)},
                status=400,
            )
        user = actions.user_by_email(form.cleaned_data["email"])
        if user is not None and user.is_active:
            try:
                emails.send_password_reset(
                    user, links.reset_link(request, actions.reset_token(user))
                )
            except Exception:
                logger.exception("password reset email to user %s failed", user.pk)
        return render(request, "accounts/reset_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "accounts/reset_request.html", {"form": form})


@require_http_methods(["GET", "POST"])
def reset_confirm(request, token):
    try:
        user = actions.user_for_reset(token)
    except errors.NotFound as exc:
        return render(request, "accounts/link_invalid.html", {"message": exc.message}, status=404)
    form = forms.NewPasswordForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.reset_password(token, form.cleaned_data["password"])
            except errors.NotFound as exc:
                return render(
                    request, "accounts/link_invalid.html", {"message": exc.message}, status=404
                )
            except errors.DomainError as exc:
                error = exc.message
            else:
                flash.success(request, "Your password is changed: log in with it.")
                return redirect("inbox:login")
        else:
            error = form_message(form)
    return render(
        request,
        "accounts/reset_confirm.html",
        {"form": form, "error": error, "reset_user": user},
        status=400 if error else 200,
    )


PENDING_KEY = "pingback_second_factor"
PENDING_SECONDS = 300


def second_factor_pending(request, user, next_url: str) -> None:
    """The password was right: remember who, for a few minutes, until the code is given."""
    request.session[PENDING_KEY] = {"user": user.pk, "at": time.time(), "next": next_url}


@require_http_methods(["GET", "POST"])
@login_limits.limited
def login_code(request):
    """The second step of a two-factor login: a code from the app, or a recovery code."""
    pending = request.session.get(PENDING_KEY) or {}
    user = None
    if pending and time.time() - pending.get("at", 0) < PENDING_SECONDS:
        user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None:
        request.session.pop(PENDING_KEY, None)
        flash.error(request, "Log in again: the code was not given in time.")
        return redirect("inbox:login")
    error = ""
    if request.method == "POST":
        if two_factor.verify(user, request.POST.get("code", "")):
            request.session.pop(PENDING_KEY, None)
            login(request, user, backend=BACKEND)
            return redirect(pending.get("next") or "inbox:inbox")
        error = "That code is not right (or was used already). Try the next one."
    # A wrong code answers 200, which the login limiter counts as a failed attempt.
    return render(request, "accounts/login_code.html", {"error": error, "pending_user": user})
