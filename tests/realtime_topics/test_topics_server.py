"""The topics API and /ws stream through a real web process (in-memory layer).

Events are produced inside the server through the REST API, as an integration would.
"""

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from tests.live import AsgiServer
from tests.realtime_topics.helpers import error_code, published, run, token_for
from tests.realtime_topics.wire import Wire

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def server(django_db_setup):
    with AsgiServer(
        TOPICS_HEARTBEAT_INTERVAL="0.5",
        TOPICS_IDLE_TIMEOUT="3",
        EVENT_STREAM_AUTH_TIMEOUT="1",
    ) as srv:
        yield srv


def rest(server, tenant):
    return httpx.AsyncClient(
        base_url=server.url + "/api/v1",
        headers={"Authorization": f"Bearer {tenant.raw_api_key}"},
        timeout=10,
    )


async def test_bad_tokens_are_refused_at_the_http_upgrade(server, acme):
    # As Tiledesk's server does: no socket opens, so its dashboard's back-off keeps growing.
    for path in ("/api/", "/api/?token=garbage"):
        with pytest.raises(InvalidStatus) as refused:
            await Wire.open(server, path)
        assert refused.value.response.status_code == 403


async def test_dashboard_flow_through_a_real_server(server, acme):
    b = acme.business.public_id
    existing = await run(acme.start, "already here")
    owner = await Wire.open(server, f"/api/?token={token_for(acme.owner)}")
    agent = await Wire.open(server, f"/api/?token={token_for(acme.agent)}")
    stream = await Wire.open(server, "/ws")
    await stream.send({"type": "auth", "apiKey": acme.raw_api_key})
    assert (await stream.recv())["type"] == "auth.ok"
    topic = f"/{b}/requests"
    snapshot = published(await owner.subscribe(topic), topic, "CREATE")
    assert [r["id"] for r in snapshot] == [str(existing.pk)]
    published(await agent.subscribe(topic), topic, "CREATE")

    async with rest(server, acme) as api:
        created = await api.post(
            "/conversations",
            json={"customer_id": acme.customer.pk, "message": "Hi", "agent_id": acme.agent.pk},
        )
        assert created.status_code == 201, created.text
        cid = str(created.json()["id"])
        for ws in (owner, agent):
            assert published(await ws.recv(), topic, "CREATE")[0]["id"] == cid
            assert published(await ws.recv(), topic, "UPDATE")[0]["first_text"] == "Hi"
        assert (await stream.recv())["type"] == "session.created"
        assert (await stream.recv())["message"]["content"] == "Hi"

        detail = f"/{b}/requests/{cid}"
        published(await agent.subscribe(detail), detail, "CREATE")
        r = await api.put(f"/conversations/{cid}/assign", json={"agent_id": acme.other_agent.pk})
        assert r.status_code == 200, r.text
        assert published(await owner.recv(), topic, "UPDATE")[0]["assignee"]["id"] == (
            acme.other_agent.pk
        )
        # The agent hears that it went to someone else, then nothing more about it.
        assert published(await agent.recv(), topic, "UPDATE")[0]["id"] == cid
        assert published(await agent.recv(), detail, "UPDATE")[0]["id"] == cid
        assert (await stream.recv())["type"] == "session.assigned"

        r = await api.put(f"/conversations/{cid}/resolve")
        assert r.status_code == 200, r.text
        assert published(await owner.recv(), topic, "UPDATE")[0]["status"] == 1000
        assert (await stream.recv())["type"] == "session.status_changed"

        # A new unassigned request reaches the agent next: nothing about the lost one came.
        r = await api.post("/conversations", json={"customer_id": acme.customer.pk})
        assert r.status_code == 201, r.text
        assert published(await agent.recv(), topic, "CREATE")[0]["id"] == str(r.json()["id"])
    for ws in (owner, agent, stream):
        await ws.close()


async def test_bad_frames_heartbeat_and_idle_close_over_the_wire(server, acme):
    ws = await Wire.open(server, f"/api/?token={token_for(acme.agent)}", answer_pings=False)
    await ws.send("{oops")
    assert error_code(await ws.recv()) == "INVALID_JSON"
    await ws.send({"action": "publish", "payload": {"topic": "/x/requests", "message": []}})
    assert error_code(await ws.recv()) == "PUBLISH_FORBIDDEN"
    await ws.send({"action": "heartbeat", "payload": {"message": {"text": "ping"}}})
    assert (await ws.recv())["payload"]["message"]["text"] == "pong"
    # The server pings; a client that never answers is closed with a reason.
    assert await ws.recv(skip_pings=False) == {
        "action": "heartbeat",
        "payload": {"message": {"text": "ping"}},
    }
    assert error_code(await ws.recv()) == "IDLE_TIMEOUT"
    assert await ws.closed_with() == 4010


async def test_event_stream_refusals_over_the_wire(server, acme):
    ws = await Wire.open(server, "/ws")
    await ws.send({"type": "auth", "apiKey": "pbk_wrong"})
    frame = await ws.recv()
    assert frame["code"] == "INVALID_API_KEY" and frame["message"]
    assert await ws.closed_with() == 4001

    ws = await Wire.open(server, "/ws")
    assert (await ws.recv())["code"] == "AUTH_TIMEOUT"
    assert await ws.closed_with() == 4010
