"""What each channel kind needs: its settings, its credentials, and the secrets PingBack makes.

``validate(kind, settings, credentials)`` returns cleaned copies or raises ValidationFailed;
``generated(kind)`` are credentials PingBack creates for a new channel and shows once.
"""

from __future__ import annotations

import secrets

from conversations import errors
from conversations.validation import check_text
from webhooks import signing, ssrf

KINDS = ("widget", "email", "whatsapp", "telegram", "api")
# kind -> (required settings, optional settings, required credentials, optional credentials)
FIELDS: dict[str, tuple[set, set, set, set]] = {
    "widget": (set(), set(), set(), set()),
    "email": (
        {"address"},
        {"from_name", "imap_host", "imap_port", "imap_username", "imap_folder", "imap_ssl"},
        set(),
        {"imap_password"},
    ),
    "whatsapp": ({"phone_number_id"}, set(), {"access_token", "app_secret", "verify_token"}, set()),
    "telegram": (set(), {"bot_username"}, {"bot_token"}, set()),
    "api": ({"webhook_url"}, set(), set(), set()),
}


def generated(kind: str) -> dict:
    """Credentials PingBack creates: shown once at creation, then only used."""
    if kind == "telegram":
        # setWebhook's secret_token: 1-256 of A-Z a-z 0-9 _ - (Bot API, setWebhook).
        return {"webhook_secret": secrets.token_urlsafe(32)}
    if kind == "email":
        return {"inbound_token": "pbin_" + secrets.token_urlsafe(32)}
    if kind == "api":
        return {"signing_secret": signing.generate_secret()}
    return {}


def _object(value, field: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise errors.ValidationFailed(f"{field} must be an object.", field=field)
    return value


def _clean(kind: str, values: dict, required: set, optional: set, field: str) -> dict:
    unknown = set(values) - required - optional
    if unknown:
        raise errors.ValidationFailed(
            f"{field} of a {kind} channel cannot have {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(sorted(required | optional)) or 'nothing'}.",
            field=field,
        )
    missing = required - set(values)
    if missing:
        raise errors.ValidationFailed(
            f"A {kind} channel needs {field} {', '.join(sorted(missing))}.", field=field
        )
    cleaned = {}
    for key, value in values.items():
        if key == "imap_port":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
                raise errors.ValidationFailed(f"{field}.{key} must be a port number.", field=field)
        elif key == "imap_ssl":
            if not isinstance(value, bool):
                raise errors.ValidationFailed(f"{field}.{key} must be true or false.", field=field)
        else:
            if not isinstance(value, str) or not value.strip():
                raise errors.ValidationFailed(
                    f"{field}.{key} must be a non-empty string.", field=field
                )
            value = check_text(value.strip(), f"{field}.{key}")[:500]
        cleaned[key] = value
    return cleaned


def validate(kind, settings, credentials) -> tuple[dict, dict]:
    if kind not in KINDS:
        raise errors.ValidationFailed(
            f"kind must be one of {', '.join(KINDS)}.", field="kind", code="VALIDATION_ERROR"
        )
    req_s, opt_s, req_c, opt_c = FIELDS[kind]
    settings = _clean(kind, _object(settings, "settings"), req_s, opt_s, "settings")
    credentials = _clean(kind, _object(credentials, "credentials"), req_c, opt_c, "credentials")
    if kind == "email":
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        try:
            validate_email(settings["address"])
        except ValidationError:
            raise errors.ValidationFailed(
                "settings.address must be an email address.", field="settings"
            ) from None
        settings["address"] = settings["address"].lower()
    if kind == "api":
        ssrf.parse(settings["webhook_url"])  # the address is checked again at every send
    return settings, credentials
