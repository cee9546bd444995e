"""No lost messages: a reconnecting widget passes its cursor and gets every later message,
in order, as new_message events."""

import pytest

from tests.realtime_sio.conftest import customer_data, jwt_for

pytestmark = pytest.mark.django_db(transaction=True)


async def test_reconnect_with_cursor_in_auth_replays_exactly_the_missed_messages(peers, acme):
    widget = await peers.connect({"business_id": acme.business.public_id})
    ack = await widget.call(
        "client_message", {"content": "hello", "customer_data": customer_data()}
    )
    conv_id, token = ack["conversation_id"], ack["session_token"]
    last_seen = (await widget.next("new_message"))["id"]
    await widget.close()

    agent = await peers.connect(
        {"business_id": acme.business.public_id, "token": jwt_for(acme.owner)}
    )
    sent = []
    for text in ("one", "two", "three"):
        reply = await agent.call("agent_message", {"conversation_id": conv_id, "content": text})
        sent.append(reply["message"]["id"])

    back = await peers.connect(
        {
            "business_id": acme.business.public_id,
            "session_token": token,
            "conversation_id": conv_id,
            "last_message_id": last_seen,
        }
    )
    replayed = [await back.next("new_message") for _ in range(3)]
    assert [m["id"] for m in replayed] == sent
    assert [m["content"] for m in replayed] == ["one", "two", "three"]
    # Live again after the replay: the next reply arrives, and nothing else came before it.
    reply = await agent.call("agent_message", {"conversation_id": conv_id, "content": "four"})
    live = await back.next("new_message")
    assert live["id"] == reply["message"]["id"] and back.pending("new_message") == []


async def test_join_conversation_with_cursor_replays_then_acks(peers, acme):
    widget = await peers.connect({"business_id": acme.business.public_id})
    first = await widget.call("client_message", {"content": "a", "customer_data": customer_data()})
    conv_id = first["conversation_id"]
    ids = [first["message"]["id"]]
    for text in ("b", "c"):
        ids.append(
            (await widget.call("client_message", {"content": text, "conversation_id": conv_id}))[
                "message"
            ]["id"]
        )
    back = await peers.connect(
        {"business_id": acme.business.public_id, "session_token": first["session_token"]}
    )
    ack = await back.call(
        "join_conversation", {"conversation_id": conv_id, "last_message_id": ids[0]}
    )
    # The replay is emitted before the ack, so it is already here.
    assert [m["id"] for m in back.pending("new_message")] == ids[1:]
    assert ack == {"ok": True, "conversation_id": conv_id, "replayed": 2, "last_message_id": ids[2]}


async def test_resume_works_over_polling_too(peers, acme):
    widget = await peers.connect({"business_id": acme.business.public_id}, transports=["polling"])
    ack = await widget.call("client_message", {"content": "x", "customer_data": customer_data()})
    back = await peers.connect(
        {
            "business_id": acme.business.public_id,
            "session_token": ack["session_token"],
            "conversation_id": ack["conversation_id"],
            "last_message_id": 0,
        },
        transports=["polling"],
    )
    assert (await back.next("new_message"))["id"] == ack["message"]["id"]


async def test_a_socket_never_gets_the_same_message_twice(peers, acme):
    """Replays overlap live delivery (join, then read the database): the server sends each
    message to a socket once, so even a client that does not de-duplicate shows it once."""
    widget = await peers.connect({"business_id": acme.business.public_id})
    first = await widget.call("client_message", {"content": "a", "customer_data": customer_data()})
    conv_id = first["conversation_id"]
    assert (await widget.next("new_message"))["id"] == first["message"]["id"]
    # Replaying from the start repeats nothing this socket already has.
    again = await widget.call(
        "join_conversation", {"conversation_id": conv_id, "last_message_id": 0}
    )
    assert again["replayed"] == 1 and widget.pending("new_message") == []
    agent = await peers.connect(
        {"business_id": acme.business.public_id, "token": jwt_for(acme.owner)}
    )
    reply = await agent.call("agent_message", {"conversation_id": conv_id, "content": "b"})
    assert (await widget.next("new_message"))["id"] == reply["message"]["id"]
    await widget.call("join_conversation", {"conversation_id": conv_id, "last_message_id": 0})
    # A later message still arrives: only repeats are held back.
    later = await agent.call("agent_message", {"conversation_id": conv_id, "content": "c"})
    assert (await widget.next("new_message"))["id"] == later["message"]["id"]
    assert widget.pending("new_message") == []
