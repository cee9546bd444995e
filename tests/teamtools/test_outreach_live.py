"""A customer with the widget open sees a conversation an agent starts, at once; a returning
visitor is offered it when their widget reconnects. One real web server."""

import pytest

from tests.realtime_sio.conftest import customer_data, jwt_for, sio_server  # noqa: F401
from tests.teamtools.test_notes_never_reach_customers import RecordingPeer, http

pytestmark = pytest.mark.django_db(transaction=True)


async def test_an_agent_started_conversation_reaches_the_open_widget_and_the_next_visit(
    sio_server,  # noqa: F811
    acme,
):
    business = acme.business.public_id
    widget = await RecordingPeer(sio_server.url).connect({"business_id": business})
    ack = await widget.call(
        "client_message", {"content": "Hi, just browsing", "customer_data": customer_data()}
    )
    first, token = ack["conversation_id"], ack["session_token"]
    # The widget reconnects with its session (as after a page load) and stays open.
    await widget.close()
    widget = await RecordingPeer(sio_server.url).connect(
        {"business_id": business, "session_token": token, "conversation_id": first}
    )
    customer_id = (
        await http(sio_server, "GET", f"/api/v1/conversations/{first}", acme.raw_api_key)
    ).json()["customer"]["id"]
    started = await http(
        sio_server,
        "POST",
        "/api/v1/conversations",
        jwt_for(acme.owner),
        {"customer_id": customer_id, "channel_type": "webchat", "message": "Your parcel shipped!"},
    )
    assert started.status_code == 201, started.text
    new_id = started.json()["id"]
    told = await widget.next("conversation_started")
    assert told["conversation_id"] == new_id
    # The widget joins it (as widget.js does) and gets the opening message.
    assert (
        await widget.call("join_conversation", {"conversation_id": new_id, "last_message_id": 0})
    )["ok"]
    assert (await widget.until("new_message", "Your parcel shipped!"))["conversation_id"] == new_id
    await widget.close()
    # Next visit: a widget that only knows the old conversation is offered the new one.
    again = await RecordingPeer(sio_server.url).connect(
        {"business_id": business, "session_token": token, "conversation_id": first}
    )
    assert (await again.next("conversation_started"))["conversation_id"] == new_id
    # Another visitor's widget hears nothing.
    other = await RecordingPeer(sio_server.url).connect({"business_id": business})
    await other.call(
        "client_message", {"content": "me too", "customer_data": customer_data("Bo", "bo@x.test")}
    )
    assert other.pending("conversation_started") == []
    for peer in (again, other):
        await peer.close()
