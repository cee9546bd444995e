"""Limits on anonymous work: new widget conversations per client IP and per business.

Counted in Django's cache (Redis when ``REDIS_URL`` is set, so every process shares them) in
fixed one-minute windows, like the REST API's limits (``conversations.api.throttling``). A
refused start is ``CONVERSATION_RATE_LIMITED`` (HTTP 429) with ``retry_after`` seconds.
Metadata size and keys are checked by ``conversations.validation.check_metadata``.
"""

from __future__ import annotations

from django.conf import settings

from conversations import errors


class ConversationRateLimited(errors.DomainError):
    code = "CONVERSATION_RATE_LIMITED"
    http_status = 429
    title = "Rate limited"


def client_ip(meta: dict) -> str:
    """The client address from a WSGI/ASGI environ or ``request.META``, trusting
    ``API_NUM_PROXIES`` reverse proxies' ``X-Forwarded-For`` (as the REST API does)."""
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    # python-engineio's environ (Socket.IO) says REMOTE_ADDR 127.0.0.1 for every client; the
    # ASGI scope it carries has the real peer.
    peer = (meta.get("asgi.scope") or {}).get("client")
    if peer:
        return str(peer[0])
    return meta.get("REMOTE_ADDR", "") or "unknown"


class ConnectRateLimited(errors.DomainError):
    code = "CONNECT_RATE_LIMITED"
    http_status = 429
    title = "Rate limited"


def check_widget_connect(ip: str) -> None:
    """Count one anonymous widget connection from ``ip``; raise when over the limit (a widget
    reconnects a few times an hour, a script cycling connections hundreds of times a minute)."""
    _check(
        [(f"widget-connects:ip:{ip}", settings.WIDGET_CONNECTS_PER_IP_PER_MINUTE, "IP")],
        ConnectRateLimited,
        "new connections",
    )


def check_new_widget_conversation(business_id: int, ip: str) -> None:
    """Count one new conversation from an anonymous widget; raise when over a limit."""
    _check(
        [
            (
                f"widget-conversations:ip:{ip}",
                settings.WIDGET_CONVERSATIONS_PER_IP_PER_MINUTE,
                "IP",
            ),
            (
                f"widget-conversations:business:{business_id}",
                settings.WIDGET_CONVERSATIONS_PER_BUSINESS_PER_MINUTE,
                "business",
            ),
        ],
        ConversationRateLimited,
        "new conversations",
    )


def _check(limits: list[tuple[str, int, str]], error: type[errors.DomainError], what: str):
    # The REST throttle's window counter, shared so widget and API limits count alike; it
    # lives with the DRF throttle (an adapter), so the domain imports it only when it counts.
    from conversations.api.throttling import clock, hit

    for bucket, limit, scope in limits:
        if not limit:
            continue
        state = hit(bucket, limit)
        if not state.allowed:
            raise error(
                f"Too many {what} from this {scope}: at most {limit} a minute. "
                f"Retry in {state.retry_after(clock())} s.",
                retry_after=state.retry_after(clock()),
            )
