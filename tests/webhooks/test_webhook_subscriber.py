"""The pipeline's webhook subscriber enqueues a fan-out task only for a business with an
enabled endpoint (``webhooks.subscribers``, issue 12): no broker publish and no worker task per
message for the many businesses without webhooks. What a stale answer from another process
costs: the event arrives with the next sweep instead of at once, never not at all."""

import time

import pytest

from conversations.events import event_from_log
from conversations.models import EventLog
from pingback import timed_cache
from webhooks import actions, delivery, subscribers
from webhooks.models import WebhookDelivery, WebhookEndpoint


@pytest.fixture
def fan_outs(monkeypatch):
    """Event ids the subscriber enqueues a fan-out task for (not run)."""
    ids: list[int] = []
    monkeypatch.setattr(delivery, "enqueue_fan_out", ids.append)
    return ids  # each test's businesses are new: nothing of theirs is cached yet


def new_events(tenant, text="Hello"):
    last = EventLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
    tenant.start(text)
    return [event_from_log(row) for row in EventLog.objects.filter(id__gt=last).order_by("id")]


def test_no_task_for_a_business_without_webhooks(acme, fan_outs, django_assert_num_queries):
    first, *rest = new_events(acme)
    rest += new_events(acme, "again")
    with django_assert_num_queries(1):  # whether the business has an enabled endpoint
        subscribers.on_event(first)
    with django_assert_num_queries(0):  # then remembered
        for event in rest:
            subscribers.on_event(event)
    assert fan_outs == []


def test_an_endpoint_created_here_gets_the_next_event_at_once(acme, globex, fan_outs, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    for event in new_events(acme) + new_events(globex):
        subscribers.on_event(event)
    assert fan_outs == []
    actions.create_endpoint(acme.business, url="http://127.0.0.1:9/hook", events=["*"])
    acme_events, globex_events = new_events(acme, "now"), new_events(globex, "now")
    for event in acme_events + globex_events:
        subscribers.on_event(event)
    assert fan_outs == [e.id for e in acme_events], "only the business with the endpoint"


def test_an_endpoint_enabled_again_gets_the_next_event_at_once(acme, fan_outs, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    endpoint, _ = actions.create_endpoint(acme.business, url="http://127.0.0.1:9/h", events=["*"])
    actions.set_enabled(endpoint, False)
    subscribers.forget(acme.business.public_id)
    for event in new_events(acme):
        subscribers.on_event(event)
    assert fan_outs == []
    actions.set_enabled(endpoint, True)
    events = new_events(acme, "back")
    for event in events:
        subscribers.on_event(event)
    assert fan_outs == [e.id for e in events]


def test_an_endpoint_another_process_created_gets_its_events_from_the_sweeper(
    acme, fan_outs, queued, monkeypatch
):
    for event in new_events(acme):
        subscribers.on_event(event)  # "no endpoint" is remembered
    # Created by another process (no forget here), a moment before these events.
    WebhookEndpoint.objects.create(
        business=acme.business, url="http://127.0.0.1:9/x", events=["*"], secret="whsec_x"
    )
    missed = new_events(acme, "meanwhile")
    for event in missed:
        subscribers.on_event(event)
    assert fan_outs == [], "within the cache's lifetime the subscriber does not know yet"
    delivery.sweep(grace_seconds=0)
    assert set(WebhookDelivery.objects.values_list("event_id", flat=True)) == {e.id for e in missed}
    # And once the cache expires, events go the direct way again.
    later_on = time.monotonic() + subscribers.CACHE_SECONDS + 1
    monkeypatch.setattr(timed_cache, "monotonic", lambda: later_on)
    later = new_events(acme, "later")
    for event in later:
        subscribers.on_event(event)
    assert fan_outs == [e.id for e in later]
