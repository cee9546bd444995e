"""After commit the committing thread only enqueues: slow or failing subscribers (webhook
fan-out, the AI assistant) never delay the action's caller (the customer's ack)."""

import threading

import pytest

from conversations import actions, events
from conversations.events import EventType
from pingback.bridge import bridge


@pytest.fixture
def slow_and_failing_subscribers():
    """Stand-ins for the webhook and AI subscribers, slow and broken in the worst way."""
    release, finished = threading.Event(), threading.Event()
    seen_on_loop = []

    def slow(event):  # like a webhook fan-out stuck on its database or broker
        release.wait(10)
        finished.set()

    def failing(event):
        raise RuntimeError("AI provider exploded")

    async def on_loop(event):
        seen_on_loop.append(event.type)

    events.subscribe("test-slow", slow, mode="background")
    events.subscribe("test-failing", failing, mode="background")
    events.subscribe("test-loop", on_loop, mode="loop")
    yield release, finished, seen_on_loop
    release.set()
    for name in ("test-slow", "test-failing", "test-loop"):
        events.unsubscribe(name)
    bridge.wait_idle()


@pytest.mark.django_db(transaction=True)
def test_a_slow_or_failing_subscriber_does_not_delay_the_action(acme, slow_and_failing_subscribers):
    release, finished, seen_on_loop = slow_and_failing_subscribers
    conv = acme.start("hello")
    message, created = actions.do_post_message(conv, sender_type="customer", content="anyone?")
    # The action returned (the ack could go out) while the slow subscriber still works.
    assert created and message.pk
    assert not finished.is_set()
    release.set()
    assert finished.wait(10)
    assert bridge.wait_idle(10)
    # The failing subscriber stopped nobody: loop subscribers saw every event, in order.
    assert seen_on_loop == [
        EventType.CONVERSATION_CREATED,
        EventType.MESSAGE_CREATED,
        EventType.MESSAGE_CREATED,
    ]


@pytest.mark.django_db(transaction=True)
def test_dispatch_after_commit_runs_no_query(acme, captured_events, django_assert_num_queries):
    acme.business.ai_auto_reply_enabled = True
    acme.business.save()
    acme.start("hello")
    bridge.wait_idle(10)
    # (The assistant may already be typing or answering: take the customer's message.)
    message_created = next(e for e in captured_events if e.type == EventType.MESSAGE_CREATED)
    # Every registered subscriber (Socket.IO, topics, webhooks, AI) is handed the event
    # without a single database query in the committing thread.
    with django_assert_num_queries(0):
        events.dispatch(message_created)
    assert bridge.wait_idle(10)
