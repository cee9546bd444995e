"""Real Celery workers on the real Redis: deliveries arrive, and survive a worker killed mid-send.

Each test uses its own Celery queue (``WEBHOOKS_CELERY_QUEUE``) so parallel test workers never
take each other's tasks. The worker shares the test database (``transactional_db``).
"""

import json
import time
import uuid
from collections import Counter

import pytest

from pingback.bridge import bridge
from tests.live import CeleryWorker, server_env
from tests.services import REDIS_URL, in_ci, require_redis
from tests.webhooks.receiver import Reply, standard_webhooks_valid
from webhooks import actions, delivery
from webhooks.models import WebhookDelivery

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def webhook_worker(queue: str, name: str) -> CeleryWorker:
    """A worker consuming only this test's queue, with fast retries and short leases."""
    env = server_env(
        REDIS_URL=REDIS_URL,
        CELERY_BROKER_URL=REDIS_URL,
        WEBHOOKS_CELERY_QUEUE=queue,
        WEBHOOKS_ALLOW_PRIVATE_URLS="true",
        WEBHOOKS_RETRY_BASE_SECONDS="0",
        WEBHOOKS_TIMEOUT_SECONDS="2",
        WEBHOOKS_LEASE_SECONDS="4",
    )
    return CeleryWorker(f"{name}-{queue}", env, queue=queue)


@pytest.fixture
def celery_queue(settings):
    """Send tasks from this process to a private queue on the real Redis."""
    require_redis()
    import redis

    from pingback.celery import app

    queue = f"pb-hooks-test-{uuid.uuid4().hex[:12]}"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.WEBHOOKS_CELERY_QUEUE = queue
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    workers: list[CeleryWorker] = []
    yield queue, workers
    for worker in workers:
        worker.stop()
    app.conf.update(saved)
    client = redis.Redis.from_url(REDIS_URL)
    client.delete(queue, f"_kombu.binding.{queue}")
    client.close()


def queued_tasks(queue: str) -> int:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        return client.llen(queue)
    finally:
        client.close()


def wait_until(predicate, timeout=60.0, tick=None):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        if tick:
            tick()
        time.sleep(0.2)


def test_celery_worker_delivers_and_retries(acme, receiver, celery_queue):
    queue, workers = celery_queue
    _, secret = actions.create_endpoint(acme.business, url=receiver.url, events=["*"])
    receiver.replies = [Reply(500)]  # the first request fails and is retried by the worker
    for i in range(3):
        acme.start(f"hello {i}")
    bridge.wait_idle()
    # After commit only the fan-out tasks were enqueued: one per event, nothing written yet.
    assert queued_tasks(queue) == 6, "every event's fan-out is on the broker before a worker runs"
    assert not WebhookDelivery.objects.exists()
    workers.append(webhook_worker(queue, "a").start())
    wait_until(lambda: WebhookDelivery.objects.count() == 6)
    expected = set(WebhookDelivery.objects.values_list("webhook_id", flat=True))
    wait_until(lambda: {r.headers["webhook-id"] for r in receiver.received} >= expected)
    for got in receiver.received:
        assert standard_webhooks_valid(secret, got.headers, got.body)
        assert json.loads(got.body)["id"] == got.headers["webhook-id"]
    wait_until(
        lambda: set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}
    )
    retried = WebhookDelivery.objects.get(attempt_count=2)
    assert list(retried.attempts.values_list("status_code", flat=True)) == [500, 200]


def test_killed_worker_loses_nothing(acme, receiver, settings, celery_queue):
    queue, workers = celery_queue
    _, secret = actions.create_endpoint(acme.business, url=receiver.url, events=["message.created"])
    # The third request hangs: the worker is SIGKILLed while it waits for the answer.
    receiver.replies = [Reply(), Reply(), Reply(delay=10)]
    for i in range(8):
        acme.start(f"message {i}")
    bridge.wait_idle()
    assert queued_tasks(queue) == 16, "every event's fan-out is on the broker before a worker runs"

    first = webhook_worker(queue, "first").start()
    workers.append(first)
    wait_until(lambda: WebhookDelivery.objects.count() == 8)
    expected = set(WebhookDelivery.objects.values_list("webhook_id", flat=True))
    received = receiver.wait_for(lambda r: len(r) >= 3, timeout=60)
    in_flight = received[2].headers["webhook-id"]
    first.kill()
    assert WebhookDelivery.objects.get(webhook_id=in_flight).status == "sending"

    workers.append(webhook_worker(queue, "second").start())
    # Celery beat's job, run from here: expired leases and due deliveries are re-enqueued.
    wait_until(
        lambda: {r.headers["webhook-id"] for r in receiver.received} >= expected,
        timeout=90,
        tick=delivery.sweep,
    )
    # The interrupted one was never acknowledged: once its lease expires it is sent again.
    wait_until(
        lambda: set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"},
        timeout=90,
        tick=delivery.sweep,
    )
    counts = Counter(r.headers["webhook-id"] for r in receiver.received)
    assert counts[in_flight] >= 2  # with the same webhook-id
    for got in receiver.received:
        assert standard_webhooks_valid(secret, got.headers, got.body)
    assert settings.CELERY_BEAT_SCHEDULE["webhooks-sweep"]["task"] == (
        "webhooks.tasks.sweep_webhooks"
    )


def database_sessions() -> int:
    """Sessions ever opened on the test database (PostgreSQL's statistics, read afresh)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_a_worker_keeps_its_database_connection_between_tasks(acme, receiver, celery_queue):
    """Celery's Django fix-up closed every connection around every task: each task opened a
    new PostgreSQL backend (a quarter of a webhook worker's time, issue 12). A worker now keeps
    it (CONN_MAX_AGE), as the server's threads do."""
    from django.db import connection

    if connection.vendor != "postgresql":
        assert not in_ci(), "CI runs this on PostgreSQL"
        pytest.skip("counts PostgreSQL sessions")
    queue, workers = celery_queue
    actions.create_endpoint(acme.business, url=receiver.url, events=["*"])
    for i in range(10):
        acme.start(f"hello {i}")
    bridge.wait_idle()
    assert queued_tasks(queue) == 20
    before = database_sessions()
    workers.append(webhook_worker(queue, "reuse").start())
    wait_until(lambda: len(receiver.received) == 20)
    wait_until(
        lambda: set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}
    )
    workers.pop().stop()  # its backends end, so their sessions are counted
    # 40 tasks (20 fan-outs, 20 deliveries); a connection each opened 40 sessions at least.
    wait_until(lambda: database_sessions() > before)
    opened = database_sessions() - before
    assert opened <= 5, f"the worker opened {opened} database sessions for 40 tasks"
