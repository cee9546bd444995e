"""Outgoing email: one helper every feature sends through (invitations, password resets,
agent notifications, email channels).

The transport is ``settings.EMAIL_URL`` (README, configuration table), read at send time:
``console://`` by default, so a newcomer finds invitation and reset links in the server log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from pingback.config import parse_email_url


def connection(fail_silently: bool = False):
    """A Django email connection for ``settings.EMAIL_URL``."""
    options = parse_email_url("EMAIL_URL", settings.EMAIL_URL)
    backend = options.pop("EMAIL_BACKEND")
    kwargs = {
        "host": options.get("EMAIL_HOST"),
        "port": options.get("EMAIL_PORT"),
        "username": options.get("EMAIL_HOST_USER"),
        "password": options.get("EMAIL_HOST_PASSWORD"),
        "use_tls": options.get("EMAIL_USE_TLS"),
        "use_ssl": options.get("EMAIL_USE_SSL"),
        "timeout": options.get("EMAIL_TIMEOUT"),
    }
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    return get_connection(backend, fail_silently=fail_silently, **kwargs)


def build_email(
    to: str | Iterable[str],
    subject: str,
    text: str,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
    from_email: str | None = None,
    reply_to: str | Iterable[str] | None = None,
) -> EmailMultiAlternatives:
    """The message ``send_email`` sends: plain text, plus an HTML alternative when given."""
    recipients = [to] if isinstance(to, str) else list(to)
    replies = [reply_to] if isinstance(reply_to, str) else list(reply_to or [])
    message = EmailMultiAlternatives(
        subject=" ".join(subject.splitlines()),  # a header: never several lines
        body=text,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        reply_to=replies or None,
        headers=dict(headers or {}),
    )
    if html is not None:
        message.attach_alternative(html, "text/html")
    return message


def send_email(
    to: str | Iterable[str],
    subject: str,
    text: str,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
    from_email: str | None = None,
    reply_to: str | Iterable[str] | None = None,
) -> str:
    """Send one email through ``EMAIL_URL``; returns its Message-ID. Raises on failure: callers
    on a background pool log it, callers in a request tell the user."""
    message = build_email(to, subject, text, html, headers, from_email, reply_to)
    if "Message-ID" not in message.extra_headers:
        from django.core.mail.message import make_msgid

        message.extra_headers["Message-ID"] = make_msgid(domain="pingback")
    with connection() as conn:
        conn.send_messages([message])
    return message.extra_headers["Message-ID"]
