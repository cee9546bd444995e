"""The emails accounts send (invitation, password reset): text and HTML from templates."""

from __future__ import annotations

from django.template.loader import render_to_string

from pingback.email import send_email


def send_templated(to: str, template: str, context: dict) -> None:
    """``accounts/email/<template>.{subject,txt,html}`` rendered with ``context``."""
    subject = render_to_string(f"accounts/email/{template}.subject", context).strip()
    text = render_to_string(f"accounts/email/{template}.txt", context)
    html = render_to_string(f"accounts/email/{template}.html", context)
    send_email(to, subject, text, html=html)


def send_invitation(invitation, link: str) -> None:
    send_templated(
        invitation.email,
        "invitation",
        {
            "business": invitation.business,
            "inviter": invitation.invited_by,
            "role": invitation.get_role_display(),
            "link": link,
            "expires_at": invitation.expires_at,
        },
    )


def send_password_reset(user, link: str) -> None:
    send_templated(user.email, "password_reset", {"user": user, "link": link})
