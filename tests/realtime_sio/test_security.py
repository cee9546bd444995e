"""Who may join, read and type: customers only in their own conversations, agents in their
business (and within the visibility rule), anonymous sockets never in business rooms."""

import pytest

from conversations.models import Message
from tests.realtime_sio.conftest import customer_data, jwt_for, orm

pytestmark = pytest.mark.django_db(transaction=True)


async def widget_with_conversation(peers, tenant, name, email, text):
    widget = await peers.connect({"business_id": tenant.business.public_id})
    ack = await widget.call(
        "client_message", {"content": text, "customer_data": customer_data(name, email)}
    )
    assert ack["ok"], ack
    await widget.next("new_message")
    return widget, ack["conversation_id"], ack["session_token"]


async def test_second_customer_cannot_join_read_type_or_post_into_the_first_conversation(
    peers, acme
):
    first, conv_a, _ = await widget_with_conversation(peers, acme, "Ann", "ann@x.test", "mine")
    second, conv_b, token_b = await widget_with_conversation(
        peers, acme, "Bob", "bob@x.test", "his"
    )
    # Even reconnected with its own valid session token, Bob reaches only his conversation.
    bob = await peers.connect({"business_id": acme.business.public_id, "session_token": token_b})
    for peer in (second, bob):
        for event, payload in [
            ("join_conversation", {"conversation_id": conv_a, "last_message_id": 0}),
            ("typing", {"conversation_id": conv_a, "user_id": 1, "is_typing": True}),
            ("client_message", {"conversation_id": conv_a, "content": "intrusion"}),
            ("message_read", {"conversation_id": conv_a}),
            ("message_delivered", {"conversation_id": conv_a}),
        ]:
            ack = await peer.call(event, payload)
            assert ack["ok"] is False and ack["error"]["code"] == "CONVERSATION_NOT_FOUND", event
            error = await peer.next("error")
            assert error["event"] == event and error["code"] == "CONVERSATION_NOT_FOUND"
    assert await orm(Message.objects.filter(conversation_id=conv_a).count)() == 1
    assert bob.pending("new_message") == [] and first.pending("typing") == []
    assert (await bob.call("join_conversation", {"conversation_id": conv_b}))["ok"]

    # Agent replies in both conversations: each customer hears only its own (fan-out order is
    # the order of the actions, so once Bob has his reply, Ann's was already sent or not).
    agent = await peers.connect(
        {"business_id": acme.business.public_id, "token": jwt_for(acme.owner)}
    )
    await agent.call("agent_message", {"conversation_id": conv_a, "content": "for Ann"})
    await agent.call("agent_message", {"conversation_id": conv_b, "content": "for Bob"})
    assert (await bob.next("new_message"))["content"] == "for Bob"
    assert (await second.next("new_message"))["content"] == "for Bob"
    assert (await first.next("new_message"))["content"] == "for Ann"
    # A round trip on Ann's socket: anything emitted to her before its ack has arrived.
    assert (await first.call("typing", {"conversation_id": conv_a, "is_typing": False}))["ok"]
    assert first.pending("new_message") == []
    assert bob.pending("new_message") == [] and second.pending("new_message") == []


async def test_anonymous_socket_never_receives_business_events(peers, acme):
    anonymous = await peers.connect({"business_id": acme.business.public_id})
    owner = await peers.connect(
        {"business_id": acme.business.public_id, "token": jwt_for(acme.owner)}
    )
    _, conv_id, _ = await widget_with_conversation(peers, acme, "Cy", "cy@x.test", "hi")
    assert (await owner.next("new_conversation"))["conversation_id"] == conv_id
    await owner.call("assign_conversation", {"conversation_id": conv_id, "agent_id": acme.agent.pk})
    assert (await owner.next("conversation_assigned"))["conversation_id"] == conv_id
    # Agent availability is for every widget: it arrives after the events above were emitted.
    await owner.call("agent_status", {"status": "away"})
    # ... as the seed's {agent_id, status}: a widget never learns an agent's name from it.
    assert await anonymous.next("agent_status_changed") == {
        "agent_id": acme.owner.pk,
        "status": "away",
    }
    assert (await owner.next("agent_status_changed"))["name"]
    for event in ("new_conversation", "conversation_assigned", "new_message", "typing"):
        assert anonymous.pending(event) == [], event
    joined = await anonymous.call("join_conversation", {"conversation_id": conv_id})
    assert joined["error"]["code"] == "CONVERSATION_NOT_FOUND"
    assert "session_token" in joined["error"]["message"]


async def test_agent_of_business_a_cannot_join_business_b_rooms(peers, acme, globex):
    _, globex_conv, _ = await widget_with_conversation(peers, globex, "G", "g@x.test", "hi")
    # Acme's owner connected to Acme cannot reach Globex's conversation...
    acme_owner = await peers.connect(
        {"business_id": acme.business.public_id, "token": jwt_for(acme.owner)}
    )
    for event, payload in [
        ("join_conversation", {"conversation_id": globex_conv}),
        ("agent_message", {"conversation_id": globex_conv, "content": "hi"}),
        ("typing", {"conversation_id": globex_conv, "is_typing": True}),
    ]:
        ack = await acme_owner.call(event, payload)
        assert ack["error"]["code"] == "CONVERSATION_NOT_FOUND", event
    # ...nor connect to Globex with its Acme JWT.
    refused = await peers.new().refused(
        {"business_id": globex.business.public_id, "token": jwt_for(acme.owner)}
    )
    assert refused["data"]["code"] == "BUSINESS_NOT_FOUND"


async def test_plain_agent_cannot_join_a_conversation_assigned_to_another(peers, acme):
    _, conv_id, _ = await widget_with_conversation(peers, acme, "D", "d@x.test", "hi")
    owner = await peers.connect(
        {"business_id": acme.business.public_id, "token": jwt_for(acme.owner)}
    )
    await owner.call(
        "assign_conversation", {"conversation_id": conv_id, "agent_id": acme.other_agent.pk}
    )
    alice = await peers.connect(
        {"business_id": acme.business.public_id, "token": jwt_for(acme.agent)}
    )
    ack = await alice.call("join_conversation", {"conversation_id": conv_id})
    assert ack["error"]["code"] == "CONVERSATION_NOT_FOUND"
    arthur = await peers.connect(
        {"business_id": acme.business.public_id, "token": jwt_for(acme.other_agent)}
    )
    assert (await arthur.call("join_conversation", {"conversation_id": conv_id}))["ok"]
