"""The widget's demo page: a stand-in customer website embedding ``widget.js``."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from conversations.demo import DEMO_BUSINESS_NAME
from conversations.models import Business


@require_GET
def demo(request):
    business = Business.objects.filter(name=DEMO_BUSINESS_NAME).order_by("pk").first()
    if business is None:
        raise Http404("No demo business yet: run `python manage.py demo` first.")
    return render(request, "widget/demo.html", {"business": business})
