"""Per-user connection limits of the topics API, counted in the Django cache.

The cache is Redis when REDIS_URL is set, so the counts hold across every ASGI process.
New connections: a window of 60 seconds that starts at a user's first connection in it.
Concurrent connections: a counter incremented on connect and decremented on disconnect;
live connections refresh its expiry at every server heartbeat, so counts a crashed process
left behind fade out ``TOPICS_CONNECTION_COUNT_TTL`` seconds later.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

RATE_WINDOW_SECONDS = 60


def _rate_key(user_id) -> str:
    return f"topics:new-connections:{user_id}"


def _active_key(user_id) -> str:
    return f"topics:active-connections:{user_id}"


def _incr(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 0, timeout)
        return cache.incr(key)


def acquire(user_id) -> tuple[str, str] | None:
    """Count a new connection; returns ``(code, message)`` when it must be refused.

    On success the caller holds a concurrent-connection slot and must ``release`` it.
    """
    per_minute = settings.TOPICS_CONNECTIONS_PER_MINUTE
    if per_minute and _incr(_rate_key(user_id), RATE_WINDOW_SECONDS) > per_minute:
        return (
            "RATE_LIMITED",
            f"More than {per_minute} new connections in a minute; retry later.",
        )
    if _incr(_active_key(user_id), settings.TOPICS_CONNECTION_COUNT_TTL) > (
        settings.TOPICS_MAX_CONNECTIONS_PER_USER or float("inf")
    ):
        release(user_id)
        return (
            "TOO_MANY_CONNECTIONS",
            f"At most {settings.TOPICS_MAX_CONNECTIONS_PER_USER} concurrent connections "
            "per user; close one first.",
        )
    return None


def release(user_id) -> None:
    key = _active_key(user_id)
    try:
        if cache.decr(key) < 0:
            cache.delete(key)
    except ValueError:  # already expired
        pass


def refresh(user_id) -> None:
    cache.touch(_active_key(user_id), settings.TOPICS_CONNECTION_COUNT_TTL)


def active_connections(user_id) -> int:
    return cache.get(_active_key(user_id), 0)
