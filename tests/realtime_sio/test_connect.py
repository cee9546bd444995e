"""Connecting: business_id in auth, refusals that say why, agent JWTs and widget session tokens."""

import pytest

from tests.realtime_sio.conftest import customer_data, jwt_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("transport", ["websocket", "polling"])
async def test_widget_connects_with_business_id_over_each_transport(peers, acme, transport):
    peer = await peers.connect({"business_id": acme.business.public_id}, transports=[transport])
    assert peer.client.connected and peer.client.transport() == transport


@pytest.mark.parametrize(
    ("auth", "code", "says"),
    [
        (None, "BUSINESS_ID_MISSING", "business_id is missing"),
        ({}, "BUSINESS_ID_MISSING", "business_id is missing"),
        ({"business_id": ""}, "BUSINESS_ID_MISSING", "business_id is missing"),
        ({"business_id": 42}, "BUSINESS_ID_MALFORMED", "business_id is malformed"),
        ({"business_id": "no spaces!"}, "BUSINESS_ID_MALFORMED", "business_id is malformed"),
        ({"business_id": "0" * 32}, "BUSINESS_NOT_FOUND", "business_id is unknown"),
    ],
)
async def test_connect_without_a_valid_business_id_is_refused_saying_why(
    peers, acme, auth, code, says
):
    error = await peers.new().refused(auth)
    assert says in error["message"]
    assert error["data"] == {"code": code}


async def test_bad_agent_token_and_bad_session_token_are_refused(peers, acme, globex):
    bid = acme.business.public_id
    error = await peers.new().refused({"business_id": bid, "token": "not-a-jwt"})
    assert error["data"]["code"] == "TOKEN_INVALID"
    # Globex's agent holds a valid JWT, but is no agent of Acme.
    error = await peers.new().refused({"business_id": bid, "token": jwt_for(globex.agent)})
    assert error["data"]["code"] == "BUSINESS_NOT_FOUND"
    error = await peers.new().refused({"business_id": bid, "session_token": "forged"})
    assert error["data"]["code"] == "SESSION_INVALID"


async def test_session_token_is_bound_to_its_business(peers, acme, globex):
    widget = await peers.connect({"business_id": acme.business.public_id})
    ack = await widget.call("client_message", {"content": "Hi", "customer_data": customer_data()})
    assert ack["ok"], ack
    token = ack["session_token"]
    error = await peers.new().refused(
        {"business_id": globex.business.public_id, "session_token": token}
    )
    assert error["data"]["code"] == "SESSION_INVALID"
    again = await peers.connect({"business_id": acme.business.public_id, "session_token": token})
    joined = await again.call("join_conversation", {"conversation_id": ack["conversation_id"]})
    assert joined["ok"], joined


async def test_agent_connects_with_jwt(peers, acme):
    agent = await peers.connect(
        {"business_id": acme.business.public_id, "token": jwt_for(acme.agent)}
    )
    assert agent.client.connected
