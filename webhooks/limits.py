"""Fairness between tenants: how many attempts may be in flight per endpoint and per business.

A business whose endpoints are slow (or hostile) must not occupy every worker. Before an
attempt, the worker takes a slot for the endpoint and one for its business; when either is
full the delivery is put back (due again in a moment, no attempt counted) and the worker moves
on to other work. Slots expire with the delivery's lease, so a crashed worker frees its own.

With ``REDIS_URL`` the slots are members of two Redis sorted sets (scored by expiry, taken
and released atomically by a script); without Redis they are the claims the database shows
``sending`` under a live lease, counted by claim token after the claim (a claim that sees too
many backs off, so two workers racing can both back off but never both exceed the limit; a
drained batch, many rows under one token sent one at a time, is one claim).
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.utils import timezone

from webhooks.models import WebhookDelivery

_ACQUIRE = """
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZCARD', key) >= tonumber(ARGV[3 + i]) then return 0 end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, ARGV[2], ARGV[3])
  local ttl = math.ceil(tonumber(ARGV[2]) - now) + 1
  if redis.call('TTL', key) < ttl then redis.call('EXPIRE', key, ttl) end
end
return 1
"""

_clients: dict = {}
_client_lock = threading.Lock()


def _redis():
    with _client_lock:
        client = _clients.get(settings.REDIS_URL)
        if client is None:
            import redis

            client = _clients[settings.REDIS_URL] = redis.Redis.from_url(
                settings.REDIS_URL, socket_timeout=5
            )
        return client


def _now() -> float:
    return time.time()


def _limits() -> tuple[int, int]:
    per_endpoint = settings.WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT or 10**9
    per_business = settings.WEBHOOKS_MAX_IN_FLIGHT_PER_BUSINESS or 10**9
    return per_endpoint, per_business


def _keys(delivery: WebhookDelivery) -> list[str]:
    prefix = f"{settings.REDIS_PREFIX}:webhooks:inflight"
    return [
        f"{prefix}:endpoint:{delivery.endpoint_id}",
        f"{prefix}:business:{delivery.business_id}",
    ]


def acquire(delivery: WebhookDelivery, token: str) -> bool:
    """Take an in-flight slot for this claimed delivery; False when endpoint or business is full."""
    per_endpoint, per_business = _limits()
    if settings.REDIS_URL:
        now = _now()
        return bool(
            _redis().eval(
                _ACQUIRE,
                2,
                *_keys(delivery),
                now,
                now + settings.WEBHOOKS_LEASE_SECONDS,
                token,
                per_endpoint,
                per_business,
            )
        )
    live = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.SENDING, locked_until__gt=timezone.now()
    )
    # Our own claim is among them. A drained batch (webhooks.outbox) is one claim token for
    # many rows, sent one at a time: one attempt in flight.
    if _claims(live.filter(endpoint_id=delivery.endpoint_id)) > per_endpoint:
        return False
    return _claims(live.filter(business_id=delivery.business_id)) <= per_business


def _claims(rows) -> int:
    return rows.values("claim_token").distinct().count()


def release(delivery: WebhookDelivery, token: str) -> None:
    """Give the slot back (the database variant frees it when the row leaves ``sending``)."""
    if settings.REDIS_URL:
        client = _redis()
        for key in _keys(delivery):
            client.zrem(key, token)
