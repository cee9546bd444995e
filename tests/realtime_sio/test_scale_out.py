"""Two web processes sharing rooms through the real Redis (AsyncRedisManager)."""

import pytest

from tests.live import AsgiServer
from tests.realtime_sio.conftest import Peer, customer_data, jwt_for
from tests.services import REDIS_URL, require_redis

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def two_servers(django_db_setup, django_db_blocker):
    require_redis()
    with (
        django_db_blocker.unblock(),
        AsgiServer(REDIS_URL=REDIS_URL) as one,
        AsgiServer(REDIS_URL=REDIS_URL) as two,
    ):
        yield one, two


async def test_customer_on_process_one_and_agent_on_process_two_talk(two_servers, acme):
    one, two = two_servers
    widget = await Peer(one.url).connect({"business_id": acme.business.public_id})
    agent = await Peer(two.url).connect(
        {"business_id": acme.business.public_id, "token": jwt_for(acme.agent)}
    )
    try:
        ack = await widget.call(
            "client_message", {"content": "from process one", "customer_data": customer_data()}
        )
        conv_id = ack["conversation_id"]
        # Org-wide event created on process one reaches the agent's business room on two.
        assert (await agent.next("new_conversation"))["conversation_id"] == conv_id
        joined = await agent.call(
            "join_conversation", {"conversation_id": conv_id, "last_message_id": 0}
        )
        assert joined["ok"] and (await agent.next("new_message"))["content"] == "from process one"

        await widget.call("typing", {"conversation_id": conv_id, "is_typing": True})
        assert (await agent.next("typing"))["sender_type"] == "customer"
        reply = await agent.call(
            "agent_message", {"conversation_id": conv_id, "content": "from process two"}
        )
        assert (await widget.next("new_message"))["id"] == ack["message"]["id"]  # own echo
        got = await widget.next("new_message")
        assert got["id"] == reply["message"]["id"] and got["sender_type"] == "agent"
        await agent.call("typing", {"conversation_id": conv_id, "is_typing": False})
        assert (await widget.next("typing"))["sender_type"] == "agent"
        await agent.call("message_read", {"conversation_id": conv_id})
        assert (await widget.next("read"))["message_id"] == ack["message"]["id"]
        await widget.call("client_message", {"content": "thanks", "conversation_id": conv_id})
        assert (await widget.next("new_message"))["content"] == "thanks"  # own echo
        assert (await agent.next("new_message"))["id"] == reply["message"]["id"]  # own echo
        assert (await agent.next("new_message"))["content"] == "thanks"
        assert agent.pending("new_message") == [] and widget.pending("new_message") == []
    finally:
        await widget.close()
        await agent.close()
