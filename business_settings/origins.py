"""Which websites may run a business's widget: ``WidgetSettings.allowed_domains``.

An entry is a host name (``example.com``) or a wildcard for its subdomains (``*.example.com``,
which also allows ``example.com``). No entry: any website. PingBack's own pages (the demo, the
settings preview) are always allowed. A request without ``Origin`` is not a browser page: it
is not refused here (anything can forge a header outside a browser).
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from business_settings.models import WidgetSettings
from conversations import errors

LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
HOST_RE = re.compile(rf"^(\*\.)?{LABEL}(\.{LABEL})*$")


def clean_domains(values) -> list[str]:
    """Normalised entries; a URL is reduced to its host. Raises ValidationFailed."""
    if isinstance(values, str):
        values = re.split(r"[\s,]+", values)
    if not isinstance(values, list | tuple):
        raise errors.ValidationFailed("allowed_domains must be a list of host names.")
    out: list[str] = []
    for raw in values:
        if not isinstance(raw, str):
            raise errors.ValidationFailed("allowed_domains must be a list of host names.")
        value = raw.strip().lower()
        if not value:
            continue
        if "://" in value:
            value = urlparse(value).hostname or ""
        value = value.rstrip("/.")
        if not HOST_RE.match(value) or len(value) > 253:
            raise errors.ValidationFailed(
                f"{raw!r} is not a host name: use example.com or *.example.com."
            )
        if value not in out:
            out.append(value)
    if len(out) > 50:
        raise errors.ValidationFailed("At most 50 allowed domains.")
    return out


def host_of(origin: str) -> str:
    """The host name of an ``Origin`` (no port); "" for ``null`` or garbage."""
    parsed = urlparse(origin or "")
    return (parsed.hostname or "") if parsed.scheme else ""


def _matches(host: str, entry: str) -> bool:
    if entry.startswith("*."):
        base = entry[2:]
        return host == base or host.endswith("." + base)
    return host == entry


def origin_allowed(allowed: list[str], origin: str | None, own_host: str) -> bool:
    """May a page at ``origin`` run the widget? ``own_host``: PingBack's own Host header."""
    if not origin:
        return True
    host = host_of(origin)
    if host and host == own_host.lower().rsplit(":", 1)[0].strip("[]"):
        return True
    if not allowed:
        return True
    return bool(host) and any(_matches(host, entry) for entry in allowed)


def widget_origin_check(business, origin: str | None, own_host: str) -> None:
    """Raise PermissionDenied (``ORIGIN_NOT_ALLOWED``) for a page the business did not allow."""

    allowed = (
        WidgetSettings.objects.filter(business=business)
        .values_list("allowed_domains", flat=True)
        .first()
    )
    if not origin_allowed(allowed or [], origin, own_host):
        raise errors.PermissionDenied(
            f"The widget of this business may not run on {host_of(origin or '') or origin}: "
            "add the domain to its allowed domains (Settings → Widget).",
            code="ORIGIN_NOT_ALLOWED",
        )
