"""Every client and server event of the seed protocol, against a real web server."""

import json
import urllib.request

import pytest

from conversations.models import Conversation, Customer, Message
from tests.realtime_sio.conftest import customer_data, jwt_for, orm

pytestmark = pytest.mark.django_db(transaction=True)

SEED_MESSAGE_FIELDS = {"id", "content", "sender_type", "conversation_id", "created_at"}


VISITOR_KEY = "k" * 32  # the widget's private random key (widget.js keeps one per browser)


async def start(peers, tenant, text="Hello, I need help", **extra):
    widget = await peers.connect({"business_id": tenant.business.public_id})
    ack = await widget.call(
        "client_message", {"content": text, "customer_data": customer_data(), **extra}
    )
    assert ack["ok"], ack
    return widget, ack


async def agent_socket(peers, tenant, agent):
    return await peers.connect({"business_id": tenant.business.public_id, "token": jwt_for(agent)})


def rest_post(url, path, api_key, body):
    req = urllib.request.Request(
        url + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, json.loads(resp.read())


async def test_client_message_starts_a_conversation_and_agent_reply_reaches_widget(peers, acme):
    owner = await agent_socket(peers, acme, acme.owner)
    widget, ack = await start(peers, acme)
    conv_id = ack["conversation_id"]
    assert set(ack) >= {"ok", "message", "conversation_id", "session_token"}
    assert (
        ack["message"]["sender_type"] == "customer" and ack["message"]["conversation_id"] == conv_id
    )
    # The sender sees its own message once (with the conversation id the seed widget reads).
    echo = await widget.next("new_message")
    assert echo["id"] == ack["message"]["id"] and set(echo) >= SEED_MESSAGE_FIELDS
    # Agents learn of the conversation in their business room, then join with a cursor.
    created = await owner.next("new_conversation")
    assert created["conversation_id"] == conv_id
    joined = await owner.call(
        "join_conversation", {"conversation_id": conv_id, "last_message_id": 0}
    )
    assert joined == {
        "ok": True,
        "conversation_id": conv_id,
        "replayed": 1,
        "last_message_id": echo["id"],
    }
    assert (await owner.next("new_message"))["content"] == "Hello, I need help"

    reply = await owner.call("agent_message", {"conversation_id": conv_id, "content": "On it"})
    assert reply["ok"], reply
    received = await widget.next("new_message")
    assert {k: received[k] for k in SEED_MESSAGE_FIELDS} == {
        "id": reply["message"]["id"],
        "content": "On it",
        "sender_type": "agent",
        "conversation_id": conv_id,
        "created_at": reply["message"]["created_at"],
    }
    assert isinstance(received["id"], int) and received["created_at"].endswith("Z")

    customer = await orm(Customer.objects.get)(conversations__pk=conv_id)
    assert (customer.name, customer.email) == ("Jane Smith", "jane@example.com")


async def test_agent_reply_through_rest_reaches_the_widget(peers, acme, sio_server):
    widget, ack = await start(peers, acme)
    await widget.next("new_message")
    status, body = await orm(rest_post)(
        sio_server.url,
        f"/api/v1/conversations/{ack['conversation_id']}/messages/",
        acme.raw_api_key,
        {"content": "Reply via REST", "agent_id": acme.agent.pk},
    )
    assert status == 201, body
    received = await widget.next("new_message")
    assert received["content"] == "Reply via REST" and received["sender_type"] == "agent"


async def test_continuing_a_conversation_and_client_id_retries_are_idempotent(peers, acme):
    widget, ack = await start(peers, acme, client_id="first-1", visitor_key=VISITOR_KEY)
    conv_id = ack["conversation_id"]
    retry = await widget.call(
        "client_message",
        {"content": "Hello, I need help", "customer_data": customer_data(), "client_id": "first-1"},
    )
    assert retry["ok"] and retry["created"] is False
    assert retry["message"]["id"] == ack["message"]["id"] and retry["conversation_id"] == conv_id

    # A fresh socket (the ack was lost, no session token yet) retrying the first message
    # proves it is the same visitor with the visitor key it sent the first time.
    first = {
        "content": "Hello, I need help",
        "customer_data": customer_data(),
        "client_id": "first-1",
    }
    other = await peers.connect({"business_id": acme.business.public_id})
    again = await other.call("client_message", {**first, "visitor_key": VISITOR_KEY})
    assert again["ok"] and again["message"]["id"] == ack["message"]["id"]
    # The same retry without the key (someone who merely read the client id) starts afresh.
    stranger = await peers.connect({"business_id": acme.business.public_id})
    fresh = await stranger.call("client_message", first)
    assert fresh["ok"] and fresh["conversation_id"] != conv_id

    payload = {"content": "second", "conversation_id": conv_id, "client_id": "second-1"}
    one = await widget.call("client_message", payload)
    two = await widget.call("client_message", payload)
    assert one["ok"] and two["ok"] and one["message"]["id"] == two["message"]["id"]
    assert await orm(Message.objects.filter(conversation_id=conv_id).count)() == 2
    assert await orm(Conversation.objects.filter(business=acme.business).count)() == 2


async def test_typing_is_relayed_both_ways_but_not_to_the_sender(peers, acme):
    widget, ack = await start(peers, acme)
    conv_id = ack["conversation_id"]
    agent = await agent_socket(peers, acme, acme.agent)
    assert (await agent.call("join_conversation", {"conversation_id": conv_id}))["ok"]

    sent = await widget.call(
        "typing", {"conversation_id": conv_id, "user_id": "customer", "is_typing": True}
    )
    assert sent["ok"], sent
    seen = await agent.next("typing")
    assert seen["conversation_id"] == conv_id and seen["is_typing"] is True
    customer_id = await orm(lambda: Conversation.objects.get(pk=conv_id).customer_id)()
    assert seen["sender_type"] == "customer" and seen["user_id"] == customer_id

    await agent.call("typing", {"conversation_id": conv_id, "user_id": 7, "is_typing": False})
    seen = await widget.next("typing")
    assert seen == {
        "conversation_id": conv_id,
        "user_id": acme.agent.pk,
        "is_typing": False,
        "sender_type": "agent",
        "is_ai": False,
    }
    assert widget.pending("typing") == [] and agent.pending("typing") == []
    assert await orm(Message.objects.filter(conversation_id=conv_id).count)() == 1


async def test_delivered_and_read_receipts_flow_to_the_other_side(peers, acme):
    widget, ack = await start(peers, acme)
    conv_id, first = ack["conversation_id"], ack["message"]["id"]
    agent = await agent_socket(peers, acme, acme.agent)
    await agent.call("join_conversation", {"conversation_id": conv_id})

    marked = await agent.call(
        "message_delivered", {"conversation_id": conv_id, "message_id": first}
    )
    assert marked["ok"] and [r["message_id"] for r in marked["receipts"]] == [first]
    delivered = await widget.next("delivered")
    assert delivered["message_id"] == first and delivered["delivered_at"]
    await agent.call("message_read", {"conversation_id": conv_id, "message_id": first})
    read = await widget.next("read")
    assert read["message_id"] == first and read["read_at"]

    reply = await agent.call("agent_message", {"conversation_id": conv_id, "content": "Hi!"})
    await widget.call(
        "message_read", {"conversation_id": conv_id, "message_id": reply["message"]["id"]}
    )
    own = await agent.next("read")  # every side of the room hears receipts, the marker too
    assert own["message_id"] == first and own["reader"] == "agent"
    read = await agent.next("read")
    assert read["message_id"] == reply["message"]["id"] and read["reader"] == "customer"
    stored = await orm(Message.objects.get)(pk=reply["message"]["id"])
    assert stored.read_at is not None and stored.delivered_at is not None


async def test_agent_status_changes_reach_agents_and_widgets(peers, acme):
    owner = await agent_socket(peers, acme, acme.owner)
    alice = await agent_socket(peers, acme, acme.agent)
    widget = await peers.connect({"business_id": acme.business.public_id})
    ack = await alice.call("agent_status", {"status": "online"})
    assert ack == {"ok": True, "agent_id": acme.agent.pk, "status": "online"}
    for peer in (owner, alice, widget):
        seen = await peer.next("agent_status_changed")
        assert seen["agent_id"] == acme.agent.pk and seen["status"] == "online"


async def test_conversation_assigned_and_a_reassigned_agent_stops_receiving(peers, acme):
    widget, ack = await start(peers, acme)
    conv_id = ack["conversation_id"]
    owner = await agent_socket(peers, acme, acme.owner)
    alice = await agent_socket(peers, acme, acme.agent)
    await owner.call("join_conversation", {"conversation_id": conv_id})
    await alice.call("join_conversation", {"conversation_id": conv_id})

    done = await owner.call(
        "assign_conversation", {"conversation_id": conv_id, "agent_id": acme.agent.pk}
    )
    assert done["ok"], done
    seen = await alice.next("conversation_assigned")
    assert seen["conversation_id"] == conv_id and seen["assigned_by"] == acme.owner.pk
    assert (await widget.next("conversation_assigned"))["conversation_id"] == conv_id

    await owner.call(
        "assign_conversation", {"conversation_id": conv_id, "agent_id": acme.other_agent.pk}
    )
    lost = await alice.next("conversation_assigned")  # told once that it is gone...
    assert lost["assignee_id"] == acme.other_agent.pk
    await widget.call("client_message", {"content": "still there?", "conversation_id": conv_id})
    # The owner (joined) hears it; alice, who lost the conversation, does not. Her refused
    # typing ack comes back on the same socket after anything emitted to her before it.
    assert (await owner.next("new_message"))["content"] == "still there?"
    refused = await alice.call("typing", {"conversation_id": conv_id, "is_typing": True})
    assert refused["error"]["code"] == "CONVERSATION_NOT_FOUND"
    assert alice.pending("new_message") == []
