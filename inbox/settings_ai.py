"""Settings → AI assistant (owners and admins): on/off, provider and hand-off rules
(``ai.settings_actions``), and the knowledge base it answers from (``ai.actions``)."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ai import access as ai_access
from ai import actions as ai_actions
from ai.models import AISettings
from ai.settings_actions import ai_settings_view, update_ai_settings
from conversations import errors
from inbox.session import agent_required
from inbox.settings_views import done, manager_required, settings_context
from inbox.views import error_response


def _number(raw: str, kind, name: str):
    try:
        return kind(raw)
    except (TypeError, ValueError):
        raise errors.ValidationFailed(f"{name} must be a number.", field=name) from None


@require_http_methods(["GET", "POST"])
@agent_required
@manager_required
def ai_settings(request):
    back = reverse("inbox:settings_ai")
    if request.method == "POST":
        post = request.POST
        try:
            update_ai_settings(
                request.business,
                enabled=post.get("enabled") == "on",
                provider=post.get("provider", ""),
                confidence_threshold=_number(
                    post.get("confidence_threshold"), float, "confidence_threshold"
                ),
                max_replies=_number(post.get("max_replies"), int, "max_replies"),
                handoff_keywords=post.get("handoff_keywords", ""),
                handoff_message=post.get("handoff_message", ""),
            )
        except errors.DomainError as exc:
            return error_response(request, exc, back)
        return done(request, "AI assistant settings saved.", "inbox:settings_ai")
    return render(
        request,
        "inbox/settings/ai.html",
        settings_context(
            request,
            "settings_ai",
            ai=ai_settings_view(request.business),
            providers=AISettings.Provider.values,
            articles=ai_access.articles_of(request.business).order_by("question"),
        ),
    )


@require_POST
@agent_required
@manager_required
def article_add(request):
    try:
        ai_actions.create_article(
            request.business,
            question=request.POST.get("question", ""),
            answer=request.POST.get("answer", ""),
            keywords=request.POST.get("keywords", ""),
        )
    except errors.DomainError as exc:
        return error_response(request, exc, reverse("inbox:settings_ai"))
    return done(request, "Article added.", "inbox:settings_ai")


@require_POST
@agent_required
@manager_required
def article_change(request, article_id, what):
    article = ai_access.access_article(request.business, article_id)  # another's: 404
    if what == "delete":
        ai_actions.delete_article(article)
        return done(request, "Article deleted.", "inbox:settings_ai")
    if what == "toggle":
        ai_actions.update_article(article, enabled=not article.enabled)
        state = "on" if article.enabled else "off"
        return done(request, f"Article {state}.", "inbox:settings_ai")
    raise errors.NotFound("Unknown article action.")
