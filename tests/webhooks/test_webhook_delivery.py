"""Delivery to a real receiver on 127.0.0.1: signing, headers, body, retries, disabling, SSRF."""

import json
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from conversations import actions as conv_actions
from conversations import events
from conversations.actions import Actor
from conversations.models import EventLog
from tests.webhooks.receiver import Reply, standard_webhooks_valid
from webhooks import actions, delivery
from webhooks.models import FanoutCursor, WebhookDelivery, WebhookEndpoint
from webhooks.verify import WebhookVerificationError, verify_webhook

S = WebhookDelivery.Status


def start_conversation(tenant, text="Hello!", capture=None):
    with capture():
        return tenant.start(text)


def only_delivery(event_type="message.created") -> WebhookDelivery:
    return WebhookDelivery.objects.get(event_type=event_type)


def test_message_created_arrives_signed_with_standard_webhooks_headers(
    acme, acme_hook, receiver, queued, committed
):
    conv = start_conversation(acme, "Hello!", committed)
    d = only_delivery()
    assert d.id in queued  # enqueued after commit, written before any network call
    assert d.status == S.PENDING and d.attempts.count() == 0

    outcome = delivery.deliver(d.id)
    assert outcome.status_code == 200
    got = receiver.received[0]
    h = got.headers
    assert h["content-type"] == "application/json"
    assert h["user-agent"] == "PingBack-Webhooks/1"
    assert h["webhook-id"] == f"evt_{d.event_id}" == d.webhook_id
    assert abs(int(h["webhook-timestamp"]) - time.time()) < 60
    assert standard_webhooks_valid(acme_hook.raw_secret, h, got.body)
    assert got.body == d.body.encode()  # body exact, as stored and signed
    payload = json.loads(got.body)
    assert payload["event"] == "message.created"
    assert payload["id"] == d.webhook_id
    assert payload["timestamp"].endswith("Z")
    assert payload["data"]["sessionId"] == str(conv.pk)
    message = payload["data"]["message"]
    assert message["content"] == "Hello!" and message["type"] == "visitor"
    assert message["id"] == str(conv.messages.get().pk)
    # The verification helper documented for receivers accepts it too.
    assert verify_webhook(acme_hook.raw_secret, h, got.body)["id"] == d.webhook_id

    d.refresh_from_db()
    assert d.status == S.SUCCEEDED and d.attempt_count == 1
    attempt = d.attempts.get()
    assert attempt.status_code == 200 and attempt.success and attempt.response_body == "ok"


def test_event_catalogue_payloads(acme, acme_hook, queued, committed):
    actor = Actor.of_agent(acme.owner)
    with committed():
        conv = acme.start("hi")
        conv_actions.do_assign(conv, acme.agent, actor=actor)
        conv_actions.do_request_handoff(conv, reason="angry", actor=actor)
        conv_actions.do_resolve(conv, actor=actor)
        conv_actions.do_close(conv, actor=actor)
        conv_actions.do_identify_customer(acme.customer, name="Jane", actor=actor)
    bodies = {
        d.event_type: json.loads(d.body) for d in WebhookDelivery.objects.order_by("event_id")
    }
    assert set(bodies) == {
        "session.created",
        "message.created",
        "session.assigned",
        "session.handoff_requested",
        "session.status_changed",
        "session.closed",
        "customer.identified",
    }
    sid = str(conv.pk)
    assert bodies["session.created"]["data"]["session"]["id"] == sid
    assert bodies["session.assigned"]["data"]["assignee"]["id"] == str(acme.agent.pk)
    assert bodies["session.handoff_requested"]["data"]["reason"] == "angry"
    assert bodies["session.status_changed"]["data"]["conversationStatus"] == "resolved"
    closed = bodies["session.closed"]["data"]
    assert closed["sessionId"] == sid and closed["previousConversationStatus"] == "resolved"
    assert closed["session"]["status"] == "closed"
    assert bodies["customer.identified"]["data"]["visitor"]["name"] == "Jane"


def test_endpoint_receives_only_subscribed_events(acme, receiver, allow_private, queued, committed):
    actions.create_endpoint(acme.business, url=receiver.url, events=["session.closed"])
    with committed():
        conv = acme.start("hi")
        conv_actions.do_close(conv, actor=Actor.of_agent(acme.owner))
    assert list(WebhookDelivery.objects.values_list("event_type", flat=True)) == ["session.closed"]


def test_other_business_events_never_reach_an_endpoint(acme, globex, acme_hook, queued, committed):
    start_conversation(globex, "globex secret", committed)
    delivery.sweep()
    assert not WebhookDelivery.objects.filter(endpoint=acme_hook).exists()
    assert queued == []


def test_rolled_back_action_produces_no_delivery(acme, acme_hook, queued):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        acme.start("never happened")
        raise Boom
    delivery.sweep()
    assert WebhookDelivery.objects.count() == 0 and queued == []


def test_sweeper_fans_out_events_the_subscriber_missed(acme, acme_hook, receiver, queued):
    # No on-commit callbacks run here: as if the process died right after the commit.
    acme.start("crash after commit")
    assert WebhookDelivery.objects.count() == 0
    result = delivery.sweep(grace_seconds=0)
    assert result["fanned_out"] == 2  # session.created + message.created
    assert sorted(queued) == sorted(WebhookDelivery.objects.values_list("id", flat=True))
    delivery.sweep(grace_seconds=0)  # idempotent: still one delivery per event and endpoint
    assert WebhookDelivery.objects.count() == 2
    for d in WebhookDelivery.objects.all():
        delivery.deliver(d.id)
    assert {r.headers["webhook-id"] for r in receiver.received} == {
        f"evt_{e}" for e in EventLog.objects.values_list("id", flat=True)
    }


def test_fanout_cursor_only_passes_settled_events(acme, acme_hook, queued):
    acme.start("x")
    delivery.sweep()
    last = EventLog.objects.order_by("-id").first()
    assert FanoutCursor.objects.get().last_event_id < last.id  # recent: swept again later
    EventLog.objects.update(created_at=timezone.now() - timedelta(hours=1))
    delivery.sweep()
    assert FanoutCursor.objects.get().last_event_id == last.id


def test_endpoint_created_after_an_event_does_not_get_it(acme, receiver, allow_private, queued):
    acme.start("before the webhook existed")
    actions.create_endpoint(acme.business, url=receiver.url, events=["*"])
    delivery.sweep()
    assert WebhookDelivery.objects.count() == 0


def test_a_claimed_delivery_cannot_be_claimed_twice_until_its_lease_expires(
    acme, acme_hook, queued, committed
):
    start_conversation(acme, "hi", committed)
    d = only_delivery()
    assert delivery.claim(d.id) is not None
    assert delivery.claim(d.id) is None
    assert delivery.deliver(d.id) is None  # another worker: nothing to do
    WebhookDelivery.objects.filter(pk=d.id).update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )
    queued.clear()
    assert delivery.dispatch_due(grace_seconds=0) >= 1 and d.id in queued
    assert delivery.claim(d.id) is not None  # the crashed worker's lease expired


def test_retries_500_then_200_with_the_same_webhook_id(
    acme, acme_hook, receiver, queued, committed
):
    receiver.replies = [Reply(500, body=b"boom"), Reply(500)]
    start_conversation(acme, "hi", committed)
    d = only_delivery()
    for _ in range(3):
        delivery.deliver(d.id)
    d.refresh_from_db()
    assert d.status == S.SUCCEEDED and d.attempt_count == 3
    attempts = list(d.attempts.values_list("number", "status_code", "success"))
    assert attempts == [(1, 500, False), (2, 500, False), (3, 200, True)]
    assert d.attempts.first().response_body == "boom"
    assert {r.headers["webhook-id"] for r in receiver.received} == {d.webhook_id}
    acme_hook.refresh_from_db()
    assert acme_hook.failing_since is None  # the success ended the failure streak


def test_retry_schedule_is_exponential_with_full_jitter(settings):
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 15
    settings.WEBHOOKS_RETRY_MAX_SECONDS = 6 * 3600
    for n, ceiling in [(1, 15), (2, 60), (3, 240), (6, 6 * 3600), (11, 6 * 3600)]:
        delays = [delivery.retry_delay(n) for _ in range(200)]
        assert all(0 <= x <= ceiling for x in delays)
        assert max(delays) > ceiling / 2  # spread over the whole range, not fixed


def test_429_retry_after_is_honoured(acme, acme_hook, receiver, queued, committed):
    receiver.replies = [Reply(429, headers={"Retry-After": "120"})]
    start_conversation(acme, "hi", committed)
    d = only_delivery()
    before = timezone.now()
    delivery.deliver(d.id)
    d.refresh_from_db()
    assert d.status == S.PENDING and d.last_status_code == 429
    wait = (d.next_attempt_at - before).total_seconds()
    assert 119 <= wait <= 125
    assert delivery.deliver(d.id) is None  # not due yet
    WebhookDelivery.objects.filter(pk=d.id).update(next_attempt_at=timezone.now())
    assert delivery.deliver(d.id).status_code == 200


def test_410_gone_disables_the_endpoint(acme, acme_hook, receiver, queued, committed):
    receiver.default = Reply(410)
    start_conversation(acme, "hi", committed)
    created, message = (
        WebhookDelivery.objects.get(event_type="session.created"),
        only_delivery(),
    )
    delivery.deliver(created.id)
    acme_hook.refresh_from_db()
    assert not acme_hook.enabled and "410" in acme_hook.disabled_reason
    created.refresh_from_db()
    assert created.status == S.FAILED and created.attempt_count == 1
    # What was still queued for the endpoint is not sent any more.
    delivery.deliver(message.id)
    message.refresh_from_db()
    assert message.status == S.FAILED and "disabled" in message.last_error
    assert len(receiver.received) == 1


def test_timeout_is_a_failed_attempt(acme, acme_hook, receiver, queued, committed):
    receiver.replies = [Reply(200, delay=3)]
    start_conversation(acme, "hi", committed)
    d = WebhookDelivery.objects.get(event_type="session.created")
    delivery.deliver(d.id)
    d.refresh_from_db()
    attempt = d.attempts.get()
    assert attempt.status_code is None and "timed out" in attempt.error
    assert d.status == S.PENDING and d.attempt_count == 1


def test_redirect_is_not_followed(acme, acme_hook, receiver, queued, committed):
    receiver.replies = [Reply(302, headers={"Location": receiver.url + "?elsewhere"})]
    start_conversation(acme, "hi", committed)
    d = WebhookDelivery.objects.get(event_type="session.created")
    delivery.deliver(d.id)
    assert len(receiver.received) == 1  # the Location was never requested
    d.refresh_from_db()
    assert d.status == S.PENDING and d.last_status_code == 302
    assert "redirect not followed" in d.last_error


def test_gives_up_after_max_attempts(acme, acme_hook, receiver, queued, settings, committed):
    settings.WEBHOOKS_MAX_ATTEMPTS = 2
    receiver.default = Reply(500)
    start_conversation(acme, "hi", committed)
    d = WebhookDelivery.objects.get(event_type="session.created")
    for _ in range(3):
        delivery.deliver(d.id)
    d.refresh_from_db()
    assert d.status == S.FAILED and d.attempt_count == 2 and d.completed_at


def test_endpoint_failing_for_days_is_disabled_with_the_reason(
    acme, acme_hook, receiver, queued, settings, committed
):
    settings.WEBHOOKS_DISABLE_AFTER_DAYS = 3
    receiver.default = Reply(500)
    start_conversation(acme, "hi", committed)
    d = WebhookDelivery.objects.get(event_type="session.created")
    delivery.deliver(d.id)
    acme_hook.refresh_from_db()
    assert acme_hook.enabled and acme_hook.failing_since is not None
    WebhookEndpoint.objects.filter(pk=acme_hook.pk).update(
        failing_since=timezone.now() - timedelta(days=3, minutes=1)
    )
    delivery.deliver(d.id)
    acme_hook.refresh_from_db()
    assert not acme_hook.enabled
    assert "failed since" in acme_hook.disabled_reason


def test_private_address_is_refused_at_delivery_when_not_allowed(
    acme, acme_hook, receiver, queued, settings, committed
):
    start_conversation(acme, "hi", committed)
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False  # e.g. DNS now points at 127.0.0.1
    d = WebhookDelivery.objects.get(event_type="session.created")
    delivery.deliver(d.id)
    assert receiver.received == []
    attempt = d.attempts.get()
    assert attempt.error.startswith("refused") and "loopback" in attempt.error


def test_rotated_secret_signs_with_both_secrets_for_a_while(
    acme, acme_hook, receiver, queued, committed
):
    old = acme_hook.raw_secret
    _, new = actions.rotate_secret(acme_hook)
    assert new != old and new.startswith("whsec_")
    start_conversation(acme, "hi", committed)
    delivery.deliver(WebhookDelivery.objects.get(event_type="session.created").id)
    got = receiver.received[0]
    assert standard_webhooks_valid(new, got.headers, got.body)
    assert standard_webhooks_valid(old, got.headers, got.body)


def test_replay_sends_a_failed_delivery_again(
    acme, acme_hook, receiver, queued, settings, committed
):
    settings.WEBHOOKS_MAX_ATTEMPTS = 1
    receiver.replies = [Reply(500)]
    start_conversation(acme, "hi", committed)
    d = WebhookDelivery.objects.get(event_type="session.created")
    delivery.deliver(d.id)
    d.refresh_from_db()
    assert d.status == S.FAILED
    queued.clear()
    with committed():
        actions.replay_delivery(d)
    assert queued == [d.id]
    delivery.deliver(d.id)
    d.refresh_from_db()
    assert d.status == S.SUCCEEDED
    assert list(d.attempts.values_list("number", flat=True)) == [1, 2]
    assert [r.headers["webhook-id"] for r in receiver.received] == [d.webhook_id] * 2


def test_verify_webhook_rejects_forgeries_and_stale_timestamps(acme_hook):
    from webhooks import signing

    body = b'{"id":"evt_1"}'
    ts = int(time.time())
    headers = {
        "Webhook-Id": "evt_1",
        "Webhook-Timestamp": str(ts),
        "Webhook-Signature": signing.sign(acme_hook.raw_secret, "evt_1", ts, body),
    }
    assert verify_webhook(acme_hook.raw_secret, headers, body) == {"id": "evt_1"}
    with pytest.raises(WebhookVerificationError):
        verify_webhook(acme_hook.raw_secret, headers, body + b" ")
    with pytest.raises(WebhookVerificationError):
        verify_webhook(signing.generate_secret(), headers, body)
    old = ts - 301
    stale = {
        **headers,
        "Webhook-Timestamp": str(old),
        "Webhook-Signature": signing.sign(acme_hook.raw_secret, "evt_1", old, body),
    }
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify_webhook(acme_hook.raw_secret, stale, body)


@pytest.mark.django_db(transaction=True)
def test_embedded_default_delivers_after_commit_without_a_broker(
    acme, receiver, allow_private, settings
):
    """No broker: the pipeline subscriber enqueues on the in-process pool, nothing else."""
    from pingback import beat
    from pingback.tasks import uses_broker, wait_for_local_tasks

    settings.CELERY_TASK_ALWAYS_EAGER = True  # what settings choose without REDIS_URL
    assert not uses_broker()
    endpoint, secret = actions.create_endpoint(
        acme.business, url=receiver.url, events=["message.created"]
    )
    acme.start("straight through")
    got = receiver.wait_for(lambda r: len(r) >= 1)[0]
    assert standard_webhooks_valid(secret, got.headers, got.body)
    assert json.loads(got.body)["data"]["message"]["content"] == "straight through"
    assert beat.is_running()  # the in-process stand-in for Celery beat
    wait_for_local_tasks()
    beat.stop()
    assert WebhookDelivery.objects.get(endpoint=endpoint).status == S.SUCCEEDED
    assert "webhooks" in events.subscribers()
