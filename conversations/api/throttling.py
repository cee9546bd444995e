"""Rate limits: a fixed one-minute window per business plan, and per IP for anonymous calls.

Counters live in Django's cache (Redis when REDIS_URL is set, so every process shares one
budget). ``cache.add`` creates the window's counter and ``cache.incr`` bumps it atomically.
Every limited response carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
``X-RateLimit-Reset`` (Unix time the window ends); a refused one is a 429 ``RATE_LIMITED``
with ``Retry-After`` (seconds).
"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from conversations.auth import Caller
from conversations.models import Business

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
# Requests per minute per business; None is unlimited.
PLAN_LIMITS: dict[str, int | None] = {
    Business.Plan.FREE: 100,
    Business.Plan.PRO: 1000,
    Business.Plan.TEAM: 10000,
    Business.Plan.SELF_HOSTED: None,
}
STATE_ATTR = "pingback_rate_limit"

# The window clock (a seam for tests that must not straddle a minute boundary).
clock = time.time


@dataclass(frozen=True)
class RateLimitState:
    limit: int
    count: int
    reset_at: int  # Unix time the current window ends

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    def retry_after(self, now: float) -> int:
        return max(1, int(self.reset_at - now + 0.999))

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
        }


def hit(bucket: str, limit: int, now: float | None = None) -> RateLimitState:
    """Count one request in ``bucket``'s current window."""
    now = clock() if now is None else now
    start = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
    key = f"ratelimit:{bucket}:{start}"
    try:
        cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=WINDOW_SECONDS + 5)
            count = 1
    except Exception:
        # A cache outage must not take the API down with it: fail open, loudly.
        logger.exception("rate-limit counter unavailable; allowing the request")
        count = 0
    return RateLimitState(limit=limit, count=count, reset_at=start + WINDOW_SECONDS)


def plan_limit(business: Business) -> int | None:
    return PLAN_LIMITS.get(business.plan)


def _caller(request) -> Caller | None:
    try:
        auth = request.auth
    except Exception:  # the credentials were refused: count the request per IP
        return None
    return auth if isinstance(auth, Caller) else None


class PlanRateThrottle(BaseThrottle):
    """Business callers share their plan's budget; everyone else is counted per IP."""

    def allow_request(self, request, view) -> bool:
        caller = _caller(request)
        if caller is not None:
            limit = plan_limit(caller.business)
            bucket = f"business:{caller.business.public_id}"
        else:
            limit = settings.API_ANON_RATE_PER_MINUTE
            bucket = f"ip:{self.get_ident(request)}"
        if limit is None or limit <= 0:
            return True
        now = clock()
        state = hit(bucket, limit, now)
        setattr(request._request, STATE_ATTR, state)
        self._wait = state.retry_after(now)
        return state.allowed

    def wait(self):
        return getattr(self, "_wait", None)


class RateLimitHeadersMiddleware:
    """Adds the X-RateLimit-* headers to every response a rate limit was counted for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        state = getattr(request, STATE_ATTR, None)
        if state is not None:
            for name, value in state.headers().items():
                response[name] = value
        return response
