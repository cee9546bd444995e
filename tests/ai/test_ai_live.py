"""End to end: the pipeline subscriber, the background task and the widget's Socket.IO."""

import asyncio
from collections import defaultdict

import pytest
import socketio
from channels.db import database_sync_to_async
from django.test import override_settings

from conversations.events import EventType
from conversations.models import Conversation, Message
from pingback.tasks import wait_for_local_tasks
from tests.live import AsgiServer

pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT = 10


@override_settings(CELERY_TASK_ALWAYS_EAGER=True)  # the in-process pool, even with a broker
def test_committed_customer_message_is_answered_in_the_background(kb):
    conv = kb.start("How do I reset my password?")  # commits: the subscriber enqueues
    wait_for_local_tasks()
    reply = Message.objects.get(conversation=conv, is_ai=True)
    assert reply.content.startswith("Click 'Forgot password'")
    assert reply.client_id == f"ai-reply-{conv.messages.get(sender_type='customer').pk}"
    handoff = kb.start("I want to talk to a human", customer=conv.customer)
    wait_for_local_tasks()
    handoff.refresh_from_db()
    assert handoff.needs_human_handoff
    assert handoff.messages.filter(sender_type="system", is_ai=False).count() == 1


@pytest.fixture(autouse=True)
def drain_background_tasks(monkeypatch):
    from django.db import connection

    # Pool threads close their connection after each task, so the test database can be
    # dropped at the end of the session (with persistent connections they would linger).
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    yield
    wait_for_local_tasks()


def test_assistant_typing_goes_to_the_conversation_rooms_the_audience_allows(
    globex, captured_events
):
    from ai import actions as ai_actions
    from realtime.projections.socketio import SOCKETIO

    conv = globex.start("hello")  # Globex has no AI: only the typing below is emitted
    ai_actions.do_show_typing(conv, True)  # ephemeral: dispatched at once
    (emit,) = SOCKETIO.render(captured_events[-1])
    assert emit.name == "typing"
    payload, targets = emit.payload, emit.rooms
    assert payload == {
        "conversation_id": conv.pk,
        "user_id": "ai",
        "is_typing": True,
        "sender_type": "system",
        "is_ai": True,
    }
    assert f"conversation_{conv.pk}_customer" in targets
    assert f"conversation_{conv.pk}_managers" in targets
    assert not any(globex.business.public_id in t for t in targets)
    assert EventType.ASSISTANT_TYPING == "assistant.typing"


@pytest.fixture(scope="module")
def widget_server(django_db_setup, django_db_blocker):
    """An embedded server (its AI tasks run on its own in-process pool)."""
    with django_db_blocker.unblock(), AsgiServer(REDIS_URL=None, CELERY_BROKER_URL=None) as server:
        yield server


async def widget(url, business_id):
    client = socketio.AsyncClient(reconnection=False)
    queues = defaultdict(asyncio.Queue)

    async def record(event, *args):
        queues[event].put_nowait(args[0] if len(args) == 1 else args)

    client.on("*", record)
    await client.connect(url, auth={"business_id": business_id}, transports=["websocket"])
    return client, queues


async def next_ai_message(queues):
    while True:
        msg = await asyncio.wait_for(queues["new_message"].get(), TIMEOUT)
        if msg["sender_type"] == "system":
            return msg


async def test_widget_sees_the_assistant_type_and_answer(kb, widget_server):
    client, queues = await widget(widget_server.url, kb.business.public_id)
    try:
        ack = await client.call(
            "client_message",
            {
                "content": "What are your opening hours?",
                "customer_data": {"name": "Vera Visitor", "email": "vera@example.com"},
            },
            timeout=TIMEOUT,
        )
        assert ack["ok"], ack
        typing = await asyncio.wait_for(queues["typing"].get(), TIMEOUT)
        assert typing["conversation_id"] == ack["conversation_id"]
        assert typing["user_id"] == "ai" and typing["is_typing"] is True
        reply = await next_ai_message(queues)
        assert reply["is_ai"] is True
        assert reply["content"].startswith("Our team answers Monday to Friday")

        ack = await client.call(
            "client_message",
            {"conversation_id": ack["conversation_id"], "content": "Can I talk to a human?"},
            timeout=TIMEOUT,
        )
        assert ack["ok"], ack
        notice = await next_ai_message(queues)
        assert notice["is_ai"] is False
        assert notice["content"].startswith("I'm connecting you")
        conv = await database_sync_to_async(Conversation.objects.get)(pk=ack["conversation_id"])
        assert conv.needs_human_handoff and conv.handoff_reason == "Customer asked for a human"
    finally:
        await client.disconnect()
