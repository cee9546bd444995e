"""Absolute links put in emails, on the host the request came to (checked by ALLOWED_HOSTS)."""

from django.urls import reverse


def invitation_link(request, raw: str) -> str:
    return request.build_absolute_uri(reverse("accounts:invitation", args=[raw]))


def reset_link(request, raw: str) -> str:
    return request.build_absolute_uri(reverse("accounts:reset_confirm", args=[raw]))
