"""EMAIL_URL and pingback.email.send_email, through a real SMTP server (aiosmtpd)."""

import pytest
from django.core import mail

from pingback.config import ConfigError, parse_email_url
from pingback.email import send_email


@pytest.mark.parametrize(
    "url,expected",
    [
        ("console://", {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}),
        ("locmem://", {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}),
        (
            "smtp://mailer:p%40ss%3Aword@mail.example.com:2525",
            {
                "EMAIL_HOST": "mail.example.com",
                "EMAIL_PORT": 2525,
                "EMAIL_HOST_USER": "mailer",
                "EMAIL_HOST_PASSWORD": "p@ss:word",
                "EMAIL_USE_TLS": False,
                "EMAIL_USE_SSL": False,
            },
        ),
        ("smtp://mail.example.com", {"EMAIL_PORT": 25, "EMAIL_HOST_USER": ""}),
        ("smtp://mail.example.com?tls=true", {"EMAIL_PORT": 587, "EMAIL_USE_TLS": True}),
        ("smtp+tls://u:p@mail.example.com", {"EMAIL_PORT": 587, "EMAIL_USE_TLS": True}),
        ("smtps://u:p@mail.example.com", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True}),
        ("smtps://mail.example.com?timeout=3", {"EMAIL_TIMEOUT": 3.0}),
    ],
)
def test_email_urls(url, expected):
    parsed = parse_email_url("EMAIL_URL", url)
    assert expected.items() <= parsed.items()
    if url.startswith("smtp"):
        assert parsed["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.parametrize(
    "url,message",
    [
        ("mailto:x@y", "is not an email URL"),
        ("smtp://", "has no host"),
        ("smtp://host:port", "invalid port"),
        ("smtp://host?timeout=soon", "invalid port or timeout"),
    ],
)
def test_bad_email_urls(url, message):
    with pytest.raises(ConfigError, match=message):
        parse_email_url("EMAIL_URL", url)


def test_send_email_is_multipart_text_and_html_over_real_smtp(smtp_server):
    message_id = send_email(
        "agent@example.com",
        "Welcome\nto PingBack",
        "Plain body: https://chat.example.com/x",
        html="<p>HTML <b>body</b></p>",
        headers={"X-PingBack-Kind": "test"},
        reply_to="support@example.com",
    )
    got = smtp_server.wait_for("agent@example.com", "Welcome")
    assert got.subject == "Welcome to PingBack"  # a header never spans lines
    assert got.text.strip() == "Plain body: https://chat.example.com/x"
    assert got.links() == ["https://chat.example.com/x"]
    assert "<b>body</b>" in got.html
    assert got.message["X-PingBack-Kind"] == "test"
    assert got.message["Reply-To"] == "support@example.com"
    assert got.message["Message-ID"] == message_id
    assert "pingback@localhost" in got.message["From"]


def test_send_email_text_only_and_from_override(settings):
    settings.EMAIL_URL = "locmem://"
    send_email(["a@example.com", "b@example.com"], "Hi", "text", from_email="Me <me@example.com>")
    (sent,) = mail.outbox
    assert (
        sent.to == ["a@example.com", "b@example.com"] and sent.from_email == "Me <me@example.com>"
    )
    assert sent.alternatives == []


def test_send_email_raises_when_the_server_is_down(settings):
    from tests.live import free_port

    settings.EMAIL_URL = f"smtp://127.0.0.1:{free_port()}?timeout=2"
    with pytest.raises(OSError):
        send_email("a@example.com", "Hi", "text")
