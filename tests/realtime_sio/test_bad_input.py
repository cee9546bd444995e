"""Bad input gets a clear error (ack and ``error`` event), the socket stays usable, and
nothing is half-written."""

import asyncio

import pytest
from django.conf import settings

from conversations.models import Conversation, Customer, Message
from tests.realtime_sio.conftest import customer_data, orm

pytestmark = pytest.mark.django_db(transaction=True)

LONG = "x" * (settings.MESSAGE_MAX_LENGTH + 1)


BAD = [
    ("client_message", None, "INVALID_PAYLOAD", None),
    ("client_message", "just text", "INVALID_PAYLOAD", None),
    ("client_message", [1, 2], "INVALID_PAYLOAD", None),
    ("client_message", {"customer_data": customer_data()}, "VALIDATION_ERROR", "content"),
    ("client_message", {"content": 5, "customer_data": customer_data()}, None, "content"),
    ("client_message", {"content": "   ", "customer_data": customer_data()}, None, "content"),
    (
        "client_message",
        {"content": LONG, "customer_data": customer_data()},
        "CONTENT_TOO_LONG",
        "content",
    ),
    ("client_message", {"content": "hi"}, None, "customer_data"),
    ("client_message", {"content": "hi", "customer_data": "Jane"}, None, "customer_data"),
    (
        "client_message",
        {"content": "hi", "customer_data": {"email": "j@x.test"}},
        None,
        "customer_data.name",
    ),
    (
        "client_message",
        {"content": "hi", "customer_data": {"name": "J", "email": "nope"}},
        None,
        "customer_data.email",
    ),
    (
        "client_message",
        {"content": "hi", "customer_data": {"name": ["J"], "email": "j@x.test"}},
        None,
        "name",
    ),
    (
        "client_message",
        {"content": "hi", "conversation_id": "12", "customer_data": customer_data()},
        None,
        "conversation_id",
    ),
    (
        "client_message",
        {"content": "hi", "client_id": "c" * 101, "customer_data": customer_data()},
        None,
        "client_id",
    ),
    ("join_conversation", {}, None, "conversation_id"),
    ("join_conversation", {"conversation_id": True}, None, "conversation_id"),
    (
        "join_conversation",
        {"conversation_id": 1, "last_message_id": "x"},
        None,
        "last_message_id",
    ),
    ("typing", {"conversation_id": 1}, None, "is_typing"),
    ("typing", {"conversation_id": 1, "is_typing": "yes"}, None, "is_typing"),
    ("message_read", {"conversation_id": -3}, None, "conversation_id"),
    ("agent_message", {"conversation_id": 1, "content": "hi"}, "AGENT_ONLY", None),
    ("assign_conversation", {"conversation_id": 1, "agent_id": 1}, "AGENT_ONLY", None),
]


async def test_bad_payloads_get_a_clear_error_write_nothing_and_the_socket_stays_usable(
    peers, acme
):
    widget = await peers.connect({"business_id": acme.business.public_id})
    for event, payload, code, field in BAD:
        ack = await widget.call(event, payload)
        assert ack["ok"] is False, (event, payload)
        if code:
            assert ack["error"]["code"] == code, (event, payload, ack)
        if field:
            assert ack["error"]["field"] == field, (event, payload, ack)
        assert ack["error"]["message"]
        error = await widget.next("error")
        assert error["event"] == event and error["code"] == ack["error"]["code"]
    assert await orm(Conversation.objects.count)() == 0
    assert await orm(Customer.objects.filter(business=acme.business).count)() == 1  # fixture's
    ok = await widget.call("client_message", {"content": "fine", "customer_data": customer_data()})
    assert ok["ok"], ok


async def test_unknown_events_are_answered(peers, acme):
    widget = await peers.connect({"business_id": acme.business.public_id})
    ack = await widget.call("delete_everything", {"x": 1})
    assert ack["ok"] is False and ack["error"]["code"] == "UNKNOWN_EVENT"
    assert "client_message" in ack["error"]["message"]
    assert (await widget.next("error"))["event"] == "delete_everything"
    # A plain emit without an ack also gets the error event.
    await widget.client.emit("whatever")
    assert (await widget.next("error"))["code"] == "UNKNOWN_EVENT"


async def test_extra_arguments_are_refused(peers, acme):
    widget = await peers.connect({"business_id": acme.business.public_id})
    ack = await widget.call("typing", ({"conversation_id": 1, "is_typing": True}, "more"))
    assert ack["error"]["code"] == "INVALID_PAYLOAD"


async def test_a_flood_is_rate_limited_and_the_socket_recovers(peers, acme):
    widget = await peers.connect({"business_id": acme.business.public_id})
    ack = await widget.call("client_message", {"content": "hi", "customer_data": customer_data()})
    conv_id = ack["conversation_id"]
    burst = settings.SOCKETIO_RATE_LIMIT_BURST
    # A flood arrives at once (sequential round trips would let the bucket refill between
    # calls on a slow machine).
    results = await asyncio.gather(
        *(
            widget.call("typing", {"conversation_id": conv_id, "is_typing": True})
            for _ in range(burst + 5)
        )
    )
    limited = [r for r in results if not r["ok"]]
    assert limited and all(r["error"]["code"] == "RATE_LIMITED" for r in limited)
    assert limited[0]["error"]["retry_after"] > 0
    assert (await widget.next("error"))["code"] == "RATE_LIMITED"
    # The bucket refills: wait for the error's retry_after, then the socket works again.
    await asyncio.sleep(limited[-1]["error"]["retry_after"] + 0.05)
    again = await widget.call("client_message", {"content": "again", "conversation_id": conv_id})
    assert again["ok"], again
    assert await orm(Message.objects.filter(conversation_id=conv_id).count)() == 2
