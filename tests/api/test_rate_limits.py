"""Rate limits per business plan (shared by all of a business's keys and agents) and per IP."""

import time
import uuid

import pytest
from rest_framework.test import APIClient

from conversations import actions
from conversations.api import throttling
from conversations.models import Business
from tests.api.conftest import assert_error, client_for
from tests.conftest import make_tenant
from tests.services import REDIS_URL, require_redis


def key_client(raw: str, ip: str = "10.0.0.1") -> APIClient:
    client = APIClient(REMOTE_ADDR=ip)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def exhaust_and_check(business, first, second, bystander):
    """``first`` and ``second`` share ``business``'s budget; ``bystander`` is unaffected."""
    limit = throttling.PLAN_LIMITS[business.plan]
    for i in range(limit):
        r = (first if i % 2 else second).get("/api/v1/me")
        assert r.status_code == 200
        assert r["X-RateLimit-Limit"] == str(limit)
        assert r["X-RateLimit-Remaining"] == str(limit - i - 1)
    refused = first.get("/api/v1/conversations/")
    body = assert_error(refused, 429, "RATE_LIMITED")
    assert body["error"] == "Rate limited"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["X-RateLimit-Remaining"] == "0"
    # The window's end, on the (frozen) clock the limiter counts with.
    assert int(refused["X-RateLimit-Reset"]) >= int(throttling.clock())
    assert_error(second.get("/api/v1/me"), 429, "RATE_LIMITED")
    ok = bystander.get("/api/v1/me")
    assert ok.status_code == 200 and ok["X-RateLimit-Remaining"] == str(limit - 1)


@pytest.fixture
def free_tenants(db):
    return make_tenant("freeco", plan=Business.Plan.FREE), make_tenant("otherco", plan="free")


@pytest.fixture
def frozen_window(monkeypatch):
    """Mid-minute and still: the fixed window must not roll over while a test counts."""
    now = time.time()
    fixed = now - now % 60 + 30
    monkeypatch.setattr(throttling, "clock", lambda: fixed)
    return fixed


def test_free_plan_is_100_a_minute_shared_by_the_business(free_tenants, frozen_window):
    tenant, other = free_tenants
    _, second_raw = actions.create_api_key(tenant.business, "second")
    exhaust_and_check(
        tenant.business,
        key_client(tenant.raw_api_key),
        key_client(second_raw, ip="10.0.0.2"),
        key_client(other.raw_api_key),
    )
    # Agents of the business share the same budget.
    assert_error(client_for(tenant, "agent").get("/api/v1/me"), 429, "RATE_LIMITED")


def test_self_hosted_has_no_limit_and_no_headers(acme, as_key):
    r = as_key.get("/api/v1/me")
    assert r.status_code == 200 and "X-RateLimit-Limit" not in r


@pytest.mark.parametrize("plan,limit", [("free", 100), ("pro", 1000), ("team", 10000)])
def test_plan_limits(plan, limit):
    assert throttling.PLAN_LIMITS[plan] == limit
    assert throttling.PLAN_LIMITS["self_hosted"] is None


def test_window_counter_resets_each_minute(db):
    bucket = f"test:{uuid.uuid4().hex}"
    start = 1_800_000_000 - 1_800_000_000 % 60
    assert throttling.hit(bucket, 2, start + 1).count == 1
    state = throttling.hit(bucket, 2, start + 59)
    assert (state.count, state.remaining, state.reset_at) == (2, 0, start + 60)
    assert not throttling.hit(bucket, 2, start + 59.5).allowed
    assert throttling.hit(bucket, 2, start + 60).count == 1


def test_unauthenticated_and_refused_requests_are_limited_per_ip(db, settings, frozen_window):
    settings.API_ANON_RATE_PER_MINUTE = 3
    ip = f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    anonymous = APIClient(REMOTE_ADDR=ip)
    bad = key_client("pbk_wrong", ip=ip)
    assert_error(anonymous.get("/api/v1/conversations/"), 401, "UNAUTHORIZED")
    assert_error(bad.get("/api/v1/conversations/"), 401, "INVALID_API_KEY")
    r = anonymous.post("/api/v1/auth/token/", {"email": "x@y.test", "password": "p"}, format="json")
    assert_error(r, 401, "INVALID_CREDENTIALS")
    assert r["X-RateLimit-Remaining"] == "0"
    refused = bad.get("/api/v1/conversations/")
    assert_error(refused, 429, "RATE_LIMITED")
    assert refused["Retry-After"]
    # Another address has its own budget.
    assert_error(APIClient(REMOTE_ADDR="10.8.0.1").get("/api/v1/me"), 401, "UNAUTHORIZED")


@pytest.mark.services
def test_budget_is_shared_through_redis(free_tenants, settings, frozen_window):
    """With Redis as the cache every process counts in one place: two API keys (two
    clients) of one business share its budget; another business is unaffected."""
    require_redis()
    import redis

    prefix = f"pb-rest-test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    tenant, other = free_tenants
    _, second_raw = actions.create_api_key(tenant.business, "second")
    conn = redis.Redis.from_url(REDIS_URL)
    try:
        exhaust_and_check(
            tenant.business,
            key_client(tenant.raw_api_key),
            key_client(second_raw, ip="10.0.0.2"),
            key_client(other.raw_api_key),
        )
        keys = conn.keys(f"{prefix}:*business:{tenant.business.public_id}:*")
        assert len(keys) == 1
        assert int(conn.get(keys[0])) == 102  # 100 allowed + 2 refused
        assert 0 < conn.ttl(keys[0]) <= 65
    finally:
        for key in conn.scan_iter(f"{prefix}:*"):
            conn.delete(key)
