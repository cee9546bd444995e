"""The API channel: a business's own system posts inbound messages over REST and receives
agent replies at its URL, signed with Standard Webhooks headers (checked here independently,
tests/webhooks/receiver.py)."""

import json

import pytest

from conversations import actions
from conversations.models import Conversation
from customer_channels import outbox
from customer_channels.models import OutboundMessage
from tests.api.conftest import client_for
from tests.webhooks.receiver import Receiver, Reply, standard_webhooks_valid


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True  # the receiver lives on 127.0.0.1
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def api_channel(acme, receiver):
    r = client_for(acme).post(
        "/api/v1/channels",
        {"kind": "api", "name": "Shop app", "settings": {"webhook_url": receiver.url}},
        format="json",
    )
    assert r.status_code == 201, r.content
    return r.json()


def inbound(tenant, channel_id, **body):
    return client_for(tenant).post(f"/api/v1/channels/{channel_id}/messages", body, format="json")


def test_inbound_over_rest_and_replies_signed_to_the_business_url(acme, api_channel, receiver):
    r = inbound(acme, api_channel["id"], **{"from": "user-77", "message_id": "m1", "text": "Hi"})
    assert r.status_code == 201 and r.json()["created"] is True
    again = inbound(
        acme, api_channel["id"], **{"from": "user-77", "message_id": "m1", "text": "Hi"}
    )
    assert again.status_code == 200 and again.json()["created"] is False
    conv = Conversation.objects.get()
    assert conv.channel_type == "api" and conv.messages.count() == 1

    reply, _ = actions.do_post_message(conv, sender_type="agent", content="Hello", agent=acme.agent)
    outbox.deliver(reply.outbound.pk)
    [got] = receiver.wait_for(lambda r: len(r) == 1)
    assert standard_webhooks_valid(api_channel["secrets"]["signing_secret"], got.headers, got.body)
    assert got.headers["webhook-id"] == f"msg_{reply.pk}"
    body = json.loads(got.body)
    assert body["type"] == "message.outbound" and body["to"] == "user-77"
    assert body["conversation_id"] == conv.pk and body["message"]["content"] == "Hello"


def test_a_failing_receiver_is_retried_with_the_same_id(acme, api_channel, receiver):
    inbound(acme, api_channel["id"], **{"from": "u", "message_id": "m1", "text": "Hi"})
    conv = Conversation.objects.get()
    receiver.replies = [Reply(status=503)]
    reply, _ = actions.do_post_message(conv, sender_type="agent", content="x", agent=acme.agent)
    outbox.deliver(reply.outbound.pk)
    assert OutboundMessage.objects.get(message=reply).status == "pending"
    outbox.deliver(reply.outbound.pk)
    assert OutboundMessage.objects.get(message=reply).status == "sent"
    ids = {r.headers["webhook-id"] for r in receiver.wait_for(lambda r: len(r) == 2)}
    assert ids == {f"msg_{reply.pk}"}
    assert [a.status_code for a in OutboundMessage.objects.get(message=reply).attempts.all()] == [
        503,
        200,
    ]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"from": "u", "text": "no id"},
        {"message_id": "m", "text": "no sender"},
        {"from": "u", "message_id": "m"},
        {"from": 5, "message_id": "m", "text": "x"},
    ],
)
def test_bad_inbound_is_400(acme, api_channel, body):
    r = inbound(acme, api_channel["id"], **body)
    assert r.status_code == 400 and set(r.json()) >= {"error", "message", "code"}
    assert not Conversation.objects.exists()


def test_only_api_channels_take_rest_messages_and_only_their_business(acme, globex, api_channel):
    r = inbound(globex, api_channel["id"], **{"from": "u", "message_id": "m", "text": "x"})
    assert r.status_code == 404
    widget = client_for(acme).post("/api/v1/channels", {"kind": "widget"}, format="json").json()
    r = inbound(acme, widget["id"], **{"from": "u", "message_id": "m", "text": "x"})
    assert r.status_code == 400 and r.json()["code"] == "WRONG_CHANNEL_KIND"
    assert not Conversation.objects.exists()
