"""A real Celery worker on the real Redis is SIGKILLed while it sends a reply on a channel:
nothing is lost. The reply's lease expires, the sweeper (beat's job, run from here) re-enqueues
it and a second worker sends it, with the same ``webhook-id`` (the API channel's receiver,
tests/webhooks/receiver.py, answers one request slowly)."""

import time
import uuid
from collections import Counter

import pytest

from conversations import actions
from customer_channels import actions as channel_actions
from customer_channels import outbox
from customer_channels.models import OutboundMessage
from customer_channels.outbox import enqueue as real_enqueue
from pingback.bridge import bridge
from tests.live import CeleryWorker, server_env
from tests.services import REDIS_URL, require_redis
from tests.webhooks.receiver import Receiver, Reply, standard_webhooks_valid

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def celery_queue(settings, monkeypatch):
    require_redis()
    import redis

    from pingback.celery import app

    monkeypatch.setattr(outbox, "enqueue", real_enqueue)  # the real broker this time
    queue = f"pb-channels-test-{uuid.uuid4().hex[:12]}"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CHANNELS_CELERY_QUEUE = queue
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


def worker(queue: str, name: str) -> CeleryWorker:
    env = server_env(
        REDIS_URL=REDIS_URL,
        CELERY_BROKER_URL=REDIS_URL,
        CHANNELS_CELERY_QUEUE=queue,
        WEBHOOKS_ALLOW_PRIVATE_URLS="true",
        CHANNELS_RETRY_BASE_SECONDS="0",
        CHANNELS_SEND_TIMEOUT_SECONDS="2",
        CHANNELS_LEASE_SECONDS="4",
    )
    return CeleryWorker(f"{name}-{queue}", env, queue=queue)


def wait_until(predicate, timeout=60.0, tick=None):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        if tick:
            tick()
        time.sleep(0.2)  # polling another process's effects: no event to wait on


def test_a_worker_killed_mid_send_loses_no_reply(acme, receiver, celery_queue):
    queue, workers = celery_queue
    channel, secrets = channel_actions.create_channel(
        acme.business, kind="api", settings={"webhook_url": receiver.url}
    )
    first, _ = channel_actions.do_receive_inbound(
        channel, channel_actions.Inbound(address="u-1", external_id="m-1", content="Hi")
    )
    conv = first.conversation
    receiver.replies = [Reply(), Reply(delay=10)]  # the second send hangs: the worker dies
    replies = [
        actions.do_post_message(conv, sender_type="agent", content=f"r{i}", agent=acme.agent)[0]
        for i in range(4)
    ]
    bridge.wait_idle()
    assert OutboundMessage.objects.filter(status="pending").count() == 4

    doomed = worker(queue, "first").start()
    workers.append(doomed)
    received = receiver.wait_for(lambda r: len(r) >= 2, timeout=60)
    in_flight = received[1].headers["webhook-id"]
    doomed.kill()  # SIGKILL, mid-request
    assert OutboundMessage.objects.get(message_id=int(in_flight[4:])).status == "sending"

    workers.append(worker(queue, "second").start())
    wait_until(
        lambda: set(OutboundMessage.objects.values_list("status", flat=True)) == {"sent"},
        timeout=90,
        tick=lambda: outbox.dispatch_due(grace_seconds=0),
    )
    counts = Counter(r.headers["webhook-id"] for r in receiver.received)
    assert set(counts) == {f"msg_{m.pk}" for m in replies}
    assert counts[in_flight] >= 2  # sent again after the lease expired, with the same id
    for got in receiver.received:
        assert standard_webhooks_valid(secrets["signing_secret"], got.headers, got.body)
