"""The rating page a signed link opens (``/rate/<token>/``): the question, then thanks."""

from django.http import HttpResponseNotFound
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from conversations import errors
from conversations.actions import Actor
from conversations.models import Conversation
from csat import links
from csat.actions import do_rate_conversation
from csat.models import Rating

FACES = [(1, "😞", "Unhappy"), (3, "😐", "Neutral"), (5, "😊", "Happy")]


@require_http_methods(["GET", "POST"])
def rate(request, token):
    conv_id = links.conversation_id_of(token)
    conv = (
        Conversation.objects.select_related("business", "customer").filter(pk=conv_id).first()
        if conv_id is not None
        else None
    )
    if conv is None:
        return HttpResponseNotFound(render(request, "csat/rate.html", {"invalid": True}).content)
    context = {"conv": conv, "scores": list(Rating.SCORES), "faces": FACES, "error": ""}
    status = 200
    if request.method == "POST":
        try:
            score = int(request.POST.get("score", ""))
        except ValueError:
            score = None
        try:
            do_rate_conversation(
                conv,
                score=score,
                comment=request.POST.get("comment", ""),
                actor=Actor.of_customer(conv.customer),
            )
        except errors.DomainError as e:
            context["error"] = e.message
            status = e.http_status
    context["rating"] = Rating.objects.filter(conversation=conv).first()
    return render(request, "csat/rate.html", context, status=status)
