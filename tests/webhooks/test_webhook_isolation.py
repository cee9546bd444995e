"""A tenant's hostile receiver cannot hold webhook workers: deadline, byte cap, fairness."""

import time

import pytest

from pingback.tasks import wait_for_local_tasks
from tests.webhooks.tarpit import Tarpit
from webhooks import actions, delivery
from webhooks.models import WebhookDelivery


@pytest.fixture
def tarpit():
    server = Tarpit(interval=0.5).start()
    yield server
    server.stop()


@pytest.fixture
def embedded(settings):
    """The embedded default: deliveries run on the in-process pool (4 threads)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 60  # a failed tarpit attempt waits: no re-send here
    settings.WEBHOOKS_TIMEOUT_SECONDS = 2
    return settings


def test_one_attempt_is_bounded_by_a_total_deadline(
    acme, tarpit, queued, embedded, django_capture_on_commit_callbacks
):
    """200 headers, then a byte every 0.5 s: each read is quick, the attempt is not."""
    actions.create_endpoint(acme.business, url=tarpit.url, events=["message.created"])
    with django_capture_on_commit_callbacks(execute=True):
        acme.start("hi")
    d = WebhookDelivery.objects.get()
    started = time.monotonic()
    outcome = delivery.deliver(d.id)
    took = time.monotonic() - started
    assert took < embedded.WEBHOOKS_TIMEOUT_SECONDS + 1.5, took
    assert outcome.status_code is None and "timed out" in outcome.error
    hold = tarpit.wait_for(lambda holds: holds and holds[0].closed)[0]
    assert hold.seconds < embedded.WEBHOOKS_TIMEOUT_SECONDS + 1.5
    d.refresh_from_db()
    assert d.status == WebhookDelivery.Status.PENDING and d.attempt_count == 1


def test_response_bytes_read_are_capped(acme, queued, embedded, django_capture_on_commit_callbacks):
    flood = Tarpit(flood=True).start()
    try:
        actions.create_endpoint(acme.business, url=flood.url, events=["message.created"])
        with django_capture_on_commit_callbacks(execute=True):
            acme.start("hi")
        d = WebhookDelivery.objects.get()
        started = time.monotonic()
        outcome = delivery.deliver(d.id)
        assert time.monotonic() - started < 1.5  # stops reading: no wait for the deadline
        assert outcome.status_code == 200 and len(outcome.response_body) <= 2048
        hold = flood.wait_for(lambda holds: holds and holds[0].closed)[0]
        assert hold.bytes_sent < 100_000_000  # the rest was never read
    finally:
        flood.stop()


@pytest.mark.django_db(transaction=True)
def test_a_tarpit_endpoint_does_not_delay_another_business(
    acme, globex, receiver, tarpit, embedded
):
    actions.create_endpoint(acme.business, url=tarpit.url, events=["message.created"])
    actions.create_endpoint(globex.business, url=receiver.url, events=["message.created"])
    embedded.WEBHOOKS_MAX_ATTEMPTS = 1  # one attempt each: nothing left scheduled afterwards
    for i in range(4):  # as many as the pool has threads
        acme.start(f"slow {i}")
    # The pool's threads are busy with the tarpit by now (or would be, without limits).
    tarpit.wait_for(lambda holds: len(holds) >= 2, timeout=10)
    sent = time.monotonic()
    globex.start("fast")
    receiver.wait_for(lambda got: len(got) >= 1, timeout=6)
    assert time.monotonic() - sent < 1.5
    # At most the per-endpoint limit of attempts was ever open on the tarpit at once.
    holds = tarpit.holds
    overlapping = max(
        sum(1 for h in holds if h.opened <= t.opened < (h.closed or float("inf"))) for t in holds
    )
    assert overlapping <= embedded.WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT
    # Every tarpit delivery was put back while the endpoint was busy, then had its attempt.
    deadline = time.monotonic() + 30
    while WebhookDelivery.objects.exclude(status__in=["succeeded", "failed"]).exists():
        assert time.monotonic() < deadline, "deliveries did not settle"
        time.sleep(0.2)
    assert WebhookDelivery.objects.filter(status="failed", attempt_count=1).count() == 4
    wait_for_local_tasks(timeout=30)


def _take(endpoint):
    """What a worker does: claim a new delivery, take a slot, or put the delivery back."""
    from django.utils import timezone

    from webhooks import limits

    d = WebhookDelivery.objects.create(
        business_id=endpoint.business_id,
        endpoint=endpoint,
        webhook_id="evt_test",
        event_type="webhook.test",
        body="{}",
        next_attempt_at=timezone.now(),
    )
    token = delivery.claim(d.id)
    if limits.acquire(d, token):
        return d, token
    WebhookDelivery.objects.filter(pk=d.pk).update(status="pending", locked_until=None)
    return None


def _done(taken):
    from webhooks import limits

    limits.release(*taken)
    WebhookDelivery.objects.filter(pk=taken[0].pk).update(status="succeeded", locked_until=None)


def _slots_behave(acme, globex, settings):
    settings.WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT = 2
    settings.WEBHOOKS_MAX_IN_FLIGHT_PER_BUSINESS = 3
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    one, _ = actions.create_endpoint(acme.business, url="http://127.0.0.1:9/a", events=["*"])
    two, _ = actions.create_endpoint(acme.business, url="http://127.0.0.1:9/b", events=["*"])
    other, _ = actions.create_endpoint(globex.business, url="http://127.0.0.1:9/c", events=["*"])
    first, second = _take(one), _take(one)
    assert first and second
    assert _take(one) is None, "a third attempt on one endpoint waits"
    assert _take(two), "another endpoint of the business gets the business's third slot"
    assert _take(two) is None, "the business has its share"
    assert _take(other), "another business is not affected"
    _done(first)  # a finished attempt frees its slot
    assert _take(one)


def test_in_flight_slots_in_the_database(acme, globex, settings):
    settings.REDIS_URL = ""
    _slots_behave(acme, globex, settings)


@pytest.mark.services
def test_in_flight_slots_in_redis(acme, globex, settings, monkeypatch):
    import uuid

    from tests.services import REDIS_URL, require_redis

    require_redis()
    settings.REDIS_URL = REDIS_URL
    settings.REDIS_PREFIX = f"pb-test-slots-{uuid.uuid4().hex[:8]}"
    _slots_behave(acme, globex, settings)
    # Slots of a crashed worker expire with its lease.
    from webhooks import limits

    busy, _ = actions.create_endpoint(acme.business, url="http://127.0.0.1:9/d", events=["*"])
    settings.WEBHOOKS_MAX_IN_FLIGHT_PER_BUSINESS = 0
    crashed = WebhookDelivery(business_id=acme.business.pk, endpoint=busy)
    assert limits.acquire(crashed, "gone-1") and limits.acquire(crashed, "gone-2")
    assert not limits.acquire(crashed, "next")
    later = time.time() + settings.WEBHOOKS_LEASE_SECONDS + 1
    monkeypatch.setattr(limits, "_now", lambda: later)  # those two slots' leases are over
    assert limits.acquire(crashed, "after-expiry")
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        for key in client.scan_iter(f"{settings.REDIS_PREFIX}:*"):
            client.delete(key)
    finally:
        client.close()
