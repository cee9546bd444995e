"""Password guessing on the form logins (/inbox/login/, /admin/login/) is rate limited.

Failed sign-ins are counted per client IP and per account (the submitted email, hashed) in
Django's cache — Redis when ``REDIS_URL`` is set, so every process shares the counts. Once
either count reaches its limit, every attempt from that IP or for that account is refused
with a 429 and a clear message until the window (``LOGIN_LOCKOUT_MINUTES``, counted from the
first failure) ends — even with the right password. A successful sign-in clears the account's
count. ``LOGIN_FAILURES_PER_IP`` / ``LOGIN_FAILURES_PER_ACCOUNT`` = 0 disable either limit.
"""

from __future__ import annotations

import functools
import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

from conversations import ratelimits

logger = logging.getLogger(__name__)


def client_ip(request) -> str:
    """The client address, trusting ``API_NUM_PROXIES`` reverse proxies (like the REST API)."""
    return ratelimits.client_ip(request.META)


def _keys(request, username: str) -> list[tuple[str, int]]:
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [
        (f"login-failures:ip:{client_ip(request)}", settings.LOGIN_FAILURES_PER_IP),
        (f"login-failures:account:{account}", settings.LOGIN_FAILURES_PER_ACCOUNT),
    ]


def _window() -> int:
    return max(1, settings.LOGIN_LOCKOUT_MINUTES) * 60


def locked(request, username: str) -> bool:
    try:
        return any(
            limit and (cache.get(key) or 0) >= limit for key, limit in _keys(request, username)
        )
    except Exception:
        logger.exception("login limit counters unavailable; allowing the attempt")
        return False


def record_failure(request, username: str) -> None:
    try:
        for key, limit in _keys(request, username):
            if limit:
                cache.add(key, 0, timeout=_window())
                try:
                    cache.incr(key)
                except ValueError:
                    cache.add(key, 1, timeout=_window())
    except Exception:
        logger.exception("login limit counters unavailable")


def record_success(request, username: str) -> None:
    try:
        cache.delete(_keys(request, username)[1][0])
    except Exception:
        logger.exception("login limit counters unavailable")


def limited(view):
    """Wrap a login view: refuse while locked, count failed POSTs, clear on success."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        username = request.POST.get("username", "")[:254]
        if locked(request, username):
            minutes = max(1, settings.LOGIN_LOCKOUT_MINUTES)
            response = render(
                request,
                "login_locked.html",
                {"minutes": minutes, "retry": request.get_full_path()},
                status=429,
            )
            response["Retry-After"] = str(minutes * 60)
            return response
        response = view(request, *args, **kwargs)
        signed_in = response.status_code in (301, 302, 303) and request.user.is_authenticated
        if signed_in:
            record_success(request, username)
        elif response.status_code == 200:  # the form came back with an error
            record_failure(request, username)
        return response

    return wrapper
