"""The message hot path (issue 12): a socket's proved conversation is not re-queried per
message, but losing access still refuses the next write; retries stay idempotent."""

import pytest

from conversations.models import Conversation, Message
from tests.realtime_sio.conftest import customer_data, jwt_for, orm

pytestmark = pytest.mark.django_db(transaction=True)


async def test_reassigned_away_from_a_plain_agent_refuses_their_next_cached_write(peers, acme):
    widget = await peers.connect({"business_id": acme.business.public_id})
    ack = await widget.call("client_message", {"content": "hi", "customer_data": customer_data()})
    conv_id = ack["conversation_id"]
    alice = await peers.connect(
        {"business_id": acme.business.public_id, "token": jwt_for(acme.agent)}
    )
    assert (await alice.call("join_conversation", {"conversation_id": conv_id}))["ok"]
    # The first reply proves access (and takes the unassigned conversation over); the second
    # goes through the socket's cached proof.
    for text in ("taking this", "still here"):
        sent = await alice.call("agent_message", {"conversation_id": conv_id, "content": text})
        assert sent["ok"], sent
    conv = await orm(Conversation.objects.get)(pk=conv_id)
    assert conv.assignee_id == acme.agent.pk

    owner = await peers.connect(
        {"business_id": acme.business.public_id, "token": jwt_for(acme.owner)}
    )
    moved = await owner.call(
        "assign_conversation", {"conversation_id": conv_id, "agent_id": acme.other_agent.pk}
    )
    assert moved["ok"], moved
    refused = await alice.call("agent_message", {"conversation_id": conv_id, "content": "mine!"})
    assert refused["error"]["code"] == "CONVERSATION_NOT_FOUND"
    assert not await orm(Message.objects.filter(conversation_id=conv_id, content="mine!").exists)()
    # And it stays refused (the cached proof was dropped), while the customer writes on.
    again = await alice.call("agent_message", {"conversation_id": conv_id, "content": "mine?"})
    assert again["error"]["code"] == "CONVERSATION_NOT_FOUND"
    more = await widget.call("client_message", {"conversation_id": conv_id, "content": "hello?"})
    assert more["ok"], more
    conv = await orm(Conversation.objects.get)(pk=conv_id)
    assert conv.message_count == 4 and conv.last_message_text == "hello?"


async def test_a_customer_cached_write_to_a_resolved_conversation_reopens_it(peers, acme):
    widget = await peers.connect({"business_id": acme.business.public_id})
    ack = await widget.call("client_message", {"content": "hi", "customer_data": customer_data()})
    conv_id = ack["conversation_id"]
    first = await widget.call("client_message", {"conversation_id": conv_id, "content": "one"})
    assert first["ok"], first
    await orm(Conversation.objects.filter(pk=conv_id).update)(status=Conversation.Status.RESOLVED)
    retry = {"conversation_id": conv_id, "content": "two", "client_id": "two-1"}
    sent, repeated = (
        await widget.call("client_message", retry),
        await widget.call("client_message", retry),
    )
    assert sent["ok"] and repeated["ok"] and not repeated["created"]
    assert sent["message"]["id"] == repeated["message"]["id"]
    conv = await orm(Conversation.objects.get)(pk=conv_id)
    assert conv.status == Conversation.Status.OPEN and conv.message_count == 3
