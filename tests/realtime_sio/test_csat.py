"""CSAT over the widget protocol: resolving asks the customer, who rates once."""

import json
import urllib.request

import pytest

from csat.models import Rating
from tests.realtime_sio.conftest import customer_data, jwt_for, orm
from tests.realtime_sio.test_protocol import agent_socket, start

pytestmark = pytest.mark.django_db(transaction=True)


def rest(url, path, api_key, method="PUT", body=None):
    req = urllib.request.Request(
        url + path,
        data=json.dumps(body or {}).encode(),
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, json.loads(resp.read())


async def resolve(sio_server, tenant, conv_id):
    status, _ = await orm(rest)(
        sio_server.url, f"/api/v1/conversations/{conv_id}/resolve", tenant.raw_api_key
    )
    assert status == 200


async def test_resolving_asks_the_widget_and_its_rating_is_stored_once(peers, acme, sio_server):
    owner = await agent_socket(peers, acme, acme.owner)
    widget, ack = await start(peers, acme)
    conv_id = ack["conversation_id"]
    await resolve(sio_server, acme, conv_id)
    changed = await widget.next("conversation_status_changed")
    assert changed == {
        "conversation_id": conv_id,
        "status": "resolved",
        "previous_status": "open",
        "csat_requested": True,
    }
    rated = await widget.call(
        "rate_conversation", {"conversation_id": conv_id, "score": 4, "comment": " Quick! "}
    )
    assert rated == {"ok": True, "conversation_id": conv_id, "score": 4}
    seen = await owner.next("conversation_rated")
    assert seen == {"conversation_id": conv_id, "score": 4, "comment": "Quick!"}
    again = await widget.call("rate_conversation", {"conversation_id": conv_id, "score": 1})
    assert again["ok"] is False and again["error"]["code"] == "ALREADY_RATED"
    rating = await orm(Rating.objects.get)(conversation_id=conv_id)
    assert (rating.score, rating.comment) == (4, "Quick!")


async def test_a_business_without_csat_does_not_ask(peers, acme, sio_server):
    from conversations import actions

    await orm(actions.do_update_business_settings)(acme.business, csat_enabled=False)
    widget, ack = await start(peers, acme)
    await resolve(sio_server, acme, ack["conversation_id"])
    assert (await widget.next("conversation_status_changed"))["csat_requested"] is False
    refused = await widget.call(
        "rate_conversation", {"conversation_id": ack["conversation_id"], "score": 5}
    )
    assert refused["error"]["code"] == "NOT_RATEABLE"


@pytest.mark.parametrize(
    "data, code",
    [
        ({"score": 6}, "VALIDATION_ERROR"),
        ({"score": "5"}, "VALIDATION_ERROR"),
        ({"score": True}, "VALIDATION_ERROR"),
        ({"score": 3, "comment": ["x"]}, "VALIDATION_ERROR"),
        ({"score": 3, "comment": "x" * 2001}, "VALIDATION_ERROR"),
    ],
)
async def test_bad_ratings_are_refused(peers, acme, sio_server, data, code):
    widget, ack = await start(peers, acme)
    await resolve(sio_server, acme, ack["conversation_id"])
    refused = await widget.call(
        "rate_conversation", {"conversation_id": ack["conversation_id"], **data}
    )
    assert refused["ok"] is False and refused["error"]["code"] == code


async def test_open_conversations_others_and_agents_cannot_rate(peers, acme, globex, sio_server):
    widget, ack = await start(peers, acme)
    conv_id = ack["conversation_id"]
    early = await widget.call("rate_conversation", {"conversation_id": conv_id, "score": 5})
    assert early["error"]["code"] == "NOT_RATEABLE"
    await resolve(sio_server, acme, conv_id)
    stranger = await peers.connect({"business_id": acme.business.public_id})
    await stranger.call(
        "client_message",
        {"content": "me too", "customer_data": customer_data("Eve", "eve@example.com")},
    )
    other = await stranger.call("rate_conversation", {"conversation_id": conv_id, "score": 1})
    assert other["error"]["code"] == "CONVERSATION_NOT_FOUND"
    foreign = await peers.connect({"business_id": globex.business.public_id})
    await foreign.call("client_message", {"content": "hi", "customer_data": customer_data()})
    cross = await foreign.call("rate_conversation", {"conversation_id": conv_id, "score": 1})
    assert cross["error"]["code"] == "CONVERSATION_NOT_FOUND"
    agent = await peers.connect(
        {"business_id": acme.business.public_id, "token": jwt_for(acme.owner)}
    )
    staff = await agent.call("rate_conversation", {"conversation_id": conv_id, "score": 5})
    assert staff["error"]["code"] == "CUSTOMER_ONLY"
    assert not await orm(Rating.objects.filter(conversation_id=conv_id).exists)()
