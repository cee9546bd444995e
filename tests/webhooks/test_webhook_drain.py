"""Draining an endpoint's backlog after a success (``webhooks.outbox``, issue 12): the task that
delivered one delivery goes on with its endpoint's other due ones, under the same in-flight
slot, and stops at the first attempt that is not a success or at its deadline. Against a real
receiver on 127.0.0.1; the deliveries' own tasks are recorded (``queued``), not run."""

import json
from datetime import timedelta

from django.utils import timezone

from conversations import actions as conv_actions
from tests.webhooks.receiver import Reply, standard_webhooks_valid
from webhooks import actions, delivery, limits, outbox, transport
from webhooks.models import WebhookDelivery, WebhookEndpoint

S = WebhookDelivery.Status


def backlog(tenant, committed, n: int) -> list[WebhookDelivery]:
    """n pending message.created deliveries for the tenant's endpoints, oldest first."""
    conv = tenant.start("first")
    with committed():
        for i in range(n):
            conv_actions.do_post_message(conv, sender_type="customer", content=f"message {i}")
    return list(
        WebhookDelivery.objects.filter(
            business=tenant.business, event_type="message.created", status=S.PENDING
        ).order_by("id")
    )


def test_one_task_sends_the_endpoints_backlog_in_order(
    acme, acme_hook, receiver, queued, committed
):
    pending = backlog(acme, committed, 5)
    assert len(pending) == 5 and all(d.id in queued for d in pending)
    outcome = delivery.deliver(pending[0].id, drain=True)
    assert outcome.status_code == 200
    got = [json.loads(r.body)["id"] for r in receiver.received]
    assert got == [d.webhook_id for d in pending], "each once, in the order they were due"
    for r in receiver.received:
        assert standard_webhooks_valid(acme_hook.raw_secret, r.headers, r.body)
    for d in WebhookDelivery.objects.filter(pk__in=[d.id for d in pending]):
        assert d.status == S.SUCCEEDED and d.attempt_count == 1 and d.last_status_code == 200
        assert d.completed_at is not None and d.locked_until is None
        assert list(d.attempts.values_list("number", "status_code", "success")) == [(1, 200, True)]
    # Their own tasks, when they run, find nothing to do.
    assert all(delivery.deliver(d.id, drain=True) is None for d in pending[1:])
    assert len(receiver.received) == 5


def test_a_single_delivery_call_sends_one(acme, acme_hook, receiver, queued, committed):
    pending = backlog(acme, committed, 3)
    delivery.deliver(pending[0].id)
    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.filter(pk__in=[d.id for d in pending[1:]], status=S.PENDING)


def test_the_first_failure_ends_the_drain_and_the_rest_go_back(
    acme, acme_hook, receiver, queued, committed
):
    pending = backlog(acme, committed, 5)
    receiver.replies = [Reply(200), Reply(200), Reply(503)]
    queued.clear()
    delivery.deliver(pending[0].id, drain=True)
    assert len(receiver.received) == 3
    rows = {d.id: d for d in WebhookDelivery.objects.filter(pk__in=[d.id for d in pending])}
    assert [rows[d.id].status for d in pending[:2]] == [S.SUCCEEDED, S.SUCCEEDED]
    failed = rows[pending[2].id]
    # The single path: retried later, the attempt recorded with its status.
    assert failed.status == S.PENDING and failed.attempt_count == 1
    assert failed.last_status_code == 503 and failed.id in queued  # its retry
    assert list(failed.attempts.values_list("number", "status_code")) == [(1, 503)]
    for d in pending[3:]:  # never attempted: pending, no attempt counted, enqueued again
        row = rows[d.id]
        assert row.status == S.PENDING and row.attempt_count == 0 and row.locked_until is None
        assert d.id in queued
    endpoint = acme_hook.__class__.objects.get(pk=acme_hook.pk)
    assert endpoint.failing_since is not None


def test_it_stops_at_its_deadline(acme, acme_hook, receiver, queued, committed, monkeypatch):
    pending = backlog(acme, committed, 3)
    monkeypatch.setattr(outbox, "DRAIN_SECONDS", 0.0)
    delivery.deliver(pending[0].id, drain=True)
    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.filter(status=S.PENDING).count() >= 2


def test_an_endpoint_disabled_during_a_drain_gets_at_most_the_batch_being_sent(
    acme, acme_hook, receiver, queued, committed, monkeypatch
):
    pending = backlog(acme, committed, 6)
    monkeypatch.setattr(outbox, "DRAIN_BATCH", 2)
    send, posts = transport.send, []

    def send_then_disable(endpoint, d):
        outcome = send(endpoint, d)
        posts.append(d.pk)
        if len(posts) == 2:  # its owner disables it while the first drained batch is sent
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(enabled=False)
        return outcome

    monkeypatch.setattr(transport, "send", send_then_disable)
    delivery.deliver(pending[0].id, drain=True)
    assert posts == [d.id for d in pending[:3]], "the first one, then its batch of two"
    assert WebhookDelivery.objects.filter(status=S.PENDING).count() == 3


def test_other_endpoints_and_businesses_are_not_drained(
    acme, globex, acme_hook, receiver, queued, committed
):
    other, _ = actions.create_endpoint(acme.business, url=receiver.url + "?b", events=["*"])
    foreign, _ = actions.create_endpoint(globex.business, url=receiver.url + "?g", events=["*"])
    mine = backlog(acme, committed, 3)
    theirs = backlog(globex, committed, 2)
    first = next(d for d in mine if d.endpoint_id == acme_hook.pk)
    delivery.deliver(first.id, drain=True)
    sent = {json.loads(r.body)["id"] for r in receiver.received}
    assert sent == {d.webhook_id for d in mine if d.endpoint_id == acme_hook.pk}
    assert WebhookDelivery.objects.filter(endpoint=other, status=S.PENDING).count() == 3
    assert WebhookDelivery.objects.filter(endpoint=foreign, status=S.PENDING).count() == 2
    assert all(d.business_id == globex.business.pk for d in theirs)


def test_a_drained_batch_is_one_attempt_in_flight_for_the_database_slots(acme, acme_hook, settings):
    """Without Redis the slots are the live claims in the database: a batch shares one claim
    token and is sent one delivery at a time, so it takes one slot, not one per row."""
    settings.REDIS_URL = ""
    settings.WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT = 2
    now = timezone.now()
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            business=acme.business,
            endpoint=acme_hook,
            webhook_id=f"evt_batch_{i}",
            event_type="webhook.test",
            body="{}",
            next_attempt_at=now,
        )
        for i in range(6)
    )
    WebhookDelivery.objects.filter(pk__in=[r.pk for r in rows[:5]]).update(
        status=S.SENDING,
        claim_token="batch",
        locked_until=now + timedelta(seconds=60),
    )
    token = delivery.claim(rows[5].pk)
    assert limits.acquire(WebhookDelivery.objects.get(pk=rows[5].pk), token)
