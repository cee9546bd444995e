"""Two ASGI processes sharing the real Redis channel layer: an event produced in one process
reaches topic and /ws subscribers connected to the other."""

import pytest
from websockets.exceptions import ConnectionClosed

from tests.live import AsgiServer
from tests.realtime_topics.helpers import published, token_for
from tests.realtime_topics.test_topics_server import rest
from tests.realtime_topics.wire import Wire
from tests.services import REDIS_URL, require_redis

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def servers(django_db_setup):
    require_redis()
    first = AsgiServer(REDIS_URL=REDIS_URL).start()
    try:
        second = AsgiServer(REDIS_URL=REDIS_URL).start()
    except BaseException:
        first.stop()
        raise
    yield first, second
    first.stop()
    second.stop()


async def test_event_produced_in_one_process_reaches_subscribers_of_the_other(servers, acme):
    first, second = servers
    b = acme.business.public_id
    topic = f"/{b}/requests"
    owner = await Wire.open(second, f"/api/?token={token_for(acme.owner)}")
    agent = await Wire.open(first, f"/api/?token={token_for(acme.agent)}")
    stream = await Wire.open(second, "/ws")
    await stream.send({"type": "auth", "apiKey": acme.raw_api_key})
    assert (await stream.recv())["type"] == "auth.ok"
    published(await owner.subscribe(topic), topic, "CREATE")
    published(await agent.subscribe(topic), topic, "CREATE")

    async with rest(first, acme) as api:  # produced inside the first process
        r = await api.post("/conversations", json={"customer_id": acme.customer.pk})
        assert r.status_code == 201, r.text
    cid = str(r.json()["id"])
    assert published(await owner.recv(), topic, "CREATE")[0]["id"] == cid
    assert published(await agent.recv(), topic, "CREATE")[0]["id"] == cid
    created = await stream.recv()
    assert created["type"] == "session.created" and created["session"]["id"] == cid

    async with rest(second, acme) as api:  # and the other way round
        r = await api.put(f"/conversations/{cid}/assign", json={"agent_id": acme.agent.pk})
        assert r.status_code == 200, r.text
    assert published(await agent.recv(), topic, "UPDATE")[0]["assignee"]["id"] == acme.agent.pk
    for ws in (owner, agent, stream):
        await ws.close()


async def test_connection_limits_are_shared_across_processes(acme, django_db_setup):
    require_redis()
    env = {"REDIS_URL": REDIS_URL, "TOPICS_MAX_CONNECTIONS_PER_USER": "1"}
    with AsgiServer(**env) as first, AsgiServer(**env) as second:
        token = token_for(acme.agent)
        held = await Wire.open(first, f"/api/?token={token}")
        topic = f"/{acme.business.public_id}/requests"
        published(await held.subscribe(topic), topic, "CREATE")
        refused = await Wire.open(second, f"/api/?token={token}")
        frame = await refused.recv()
        assert frame["payload"]["code"] == "TOO_MANY_CONNECTIONS"
        assert await refused.closed_with() == 4008
        await held.close()
        # The slot is released on disconnect; wait for it through the server, not a sleep.
        again = None
        for _ in range(50):
            candidate = await Wire.open(second, f"/api/?token={token}")
            try:
                frame = await candidate.subscribe(topic)
            except ConnectionClosed:  # refused (4008) before the subscribe was sent
                continue
            if frame["action"] == "publish":
                again = candidate
                break
            await candidate.closed_with()
        assert again is not None
        await again.close()
