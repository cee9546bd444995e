"""Replay for integrations: /ws ``lastEventId`` and ``GET /api/v1/events?after=`` deliver what a
business missed from the event log, once and in order, across a server restart, then go live
with no gap and no duplicate; a pruned cursor is refused with EVENT_CURSOR_EXPIRED."""

import asyncio
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from conversations import actions
from conversations.actions import Actor
from conversations.models import EventLog
from conversations.tasks import prune_event_log
from tests.live import AsgiServer
from tests.realtime_topics.helpers import Client, run
from tests.realtime_topics.wire import Wire

pytestmark = pytest.mark.django_db(transaction=True)


async def resumed_stream(tenant, last_event_id) -> Client:
    client = await Client.stream()
    await client.send({"type": "auth", "apiKey": tenant.raw_api_key, "lastEventId": last_event_id})
    assert (await client.recv())["type"] == "auth.ok"
    return client


async def frames_until_done(client) -> list[dict]:
    out = []
    while (frame := await client.recv())["type"] != "replay.done":
        out.append(frame)
    return out


async def test_stream_replays_what_was_missed_then_goes_live(acme, globex):
    first = await run(acme.start, "before")
    cursor = await run(lambda: EventLog.objects.filter(business=acme.business).latest("id").id)
    conv = await run(acme.start, "missed one")
    await run(globex.start, "another business")  # never replayed to acme's key
    await run(actions.do_resolve, first, actor=Actor.of_agent(acme.owner))

    client = await resumed_stream(acme, cursor)
    replayed = await frames_until_done(client)
    assert [f["type"] for f in replayed] == [
        "session.created",
        "message.created",
        "session.status_changed",
    ]
    ids = [f["eventId"] for f in replayed]
    assert ids == sorted(ids) and all(i > cursor for i in ids)
    assert replayed[1]["message"]["content"] == "missed one"
    assert replayed[0]["sessionId"] == str(conv.pk)

    await run(actions.do_post_message, conv, sender_type="customer", content="live now")
    live = await client.recv()
    assert live["type"] == "message.created" and live["message"]["content"] == "live now"
    assert live["eventId"] > ids[-1]
    await client.close()


async def test_live_events_during_replay_arrive_once_in_commit_order(acme):
    conv = await run(acme.start, "hello")
    many = [f"m{i}" for i in range(30)]

    async def write():
        for text in many:
            await run(actions.do_post_message, conv, sender_type="customer", content=text)

    writer = asyncio.create_task(write())
    client = await resumed_stream(acme, 0)  # replay races the writer
    await writer
    seen = []
    while len([f for f in seen if f["type"] == "message.created"]) < len(many) + 1:
        frame = await client.recv()
        if frame["type"] != "replay.done":
            seen.append(frame)
    contents = [f["message"]["content"] for f in seen if f["type"] == "message.created"]
    assert contents == ["hello", *many]
    assert len({f["eventId"] for f in seen}) == len(seen), "no duplicate"
    await client.close()


async def test_a_malformed_cursor_is_refused(acme):
    client = await Client.stream()
    await client.send({"type": "auth", "apiKey": acme.raw_api_key, "lastEventId": "yesterday"})
    frame = await client.recv()
    assert frame["code"] == "VALIDATION_ERROR" and "lastEventId" in frame["message"]
    assert await client.closed_with() == 4002


async def test_a_cursor_older_than_retention_is_refused(acme, settings):
    await run(acme.start, "old")
    cursor = await run(lambda: EventLog.objects.earliest("id").id)
    await run(acme.start, "also old")
    await run(lambda: EventLog.objects.update(created_at=timezone.now() - timedelta(days=30)))
    settings.EVENT_LOG_RETENTION_DAYS = 7
    assert await run(prune_event_log) > 0
    client = await Client.stream()
    await client.send({"type": "auth", "apiKey": acme.raw_api_key, "lastEventId": cursor})
    assert (await client.recv())["type"] == "auth.ok"
    frame = await client.recv()
    assert frame["code"] == "EVENT_CURSOR_EXPIRED"
    assert await client.closed_with() == 4011


def test_rest_pages_through_the_same_events_as_webhooks(acme, globex, client):
    from webhooks.payloads import render

    auth = {"HTTP_AUTHORIZATION": f"Bearer {acme.raw_api_key}"}
    acme.start("one")
    conv = acme.start("two")
    actions.do_close(conv, actor=Actor.of_agent(acme.owner))
    globex.start("not yours")
    page = client.get("/api/v1/events?limit=3", **auth).json()
    assert page["hasMore"] is True and len(page["events"]) == 3
    rest = page["events"]
    page = client.get(f"/api/v1/events?after={page['lastEventId']}", **auth).json()
    rest += page["events"]
    assert page["hasMore"] is False
    assert [e["event"] for e in rest] == [
        "session.created",
        "message.created",
        "session.created",
        "message.created",
        "session.closed",
    ]
    # Each item is exactly the webhook body of that event, plus its numeric cursor.
    for item in rest:
        from conversations.events import event_from_log

        row = EventLog.objects.select_related("business").get(pk=item["eventId"])
        name, data = render(event_from_log(row))
        assert item["id"] == f"evt_{row.pk}" and item["event"] == name and item["data"] == data
        assert item["businessId"] == acme.business.public_id


def test_rest_events_page_with_the_one_cursor_convention(acme, client):
    """docs/api.md "Pagination": `cursor` in, `nextCursor` out (a feed's is never null: it is
    where to resume); `after`/`lastEventId` still work (deprecated) and mixing them is a 400."""
    auth = {"HTTP_AUTHORIZATION": f"Bearer {acme.raw_api_key}"}
    acme.start("one")
    acme.start("two")
    first = client.get("/api/v1/events?limit=3", **auth).json()
    second = client.get(f"/api/v1/events?cursor={first['nextCursor']}", **auth).json()
    by_after = client.get(f"/api/v1/events?after={first['lastEventId']}", **auth).json()
    assert len(first["events"]) == 3 and len(second["events"]) == 1
    assert second["events"] == by_after["events"] and second["hasMore"] is False
    later = client.get(f"/api/v1/events?cursor={second['nextCursor']}", **auth).json()
    assert later["events"] == [] and later["nextCursor"] == second["nextCursor"]
    acme.start("three")
    resumed = client.get(f"/api/v1/events?cursor={later['nextCursor']}", **auth).json()
    assert [e["event"] for e in resumed["events"]] == ["session.created", "message.created"]
    for query, code in (
        ("cursor=%%%", "INVALID_CURSOR"),
        ("cursor=WyJ4Il0", "INVALID_CURSOR"),  # ["x"]
        (f"cursor={first['nextCursor']}&after=1", "VALIDATION_ERROR"),
    ):
        response = client.get(f"/api/v1/events?{query}", **auth)
        assert response.status_code == 400 and response.json()["code"] == code, query


def test_rest_events_refuse_bad_cursors_agents_and_expired_ones(acme, client, settings):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {acme.raw_api_key}"}
    for query in (
        "after=-1",
        "after=abc",
        "after=99999999999999999999",
        "limit=0",
        "limit=501",
        "since=3",
    ):
        response = client.get(f"/api/v1/events?{query}", **auth)
        assert response.status_code == 400, query
        assert response.json()["code"] == "VALIDATION_ERROR"
    from tests.realtime_topics.helpers import token_for

    agent = {"HTTP_AUTHORIZATION": f"Bearer {token_for(acme.agent)}"}
    assert client.get("/api/v1/events", **agent).status_code == 403
    acme.start("old")
    cursor = EventLog.objects.earliest("id").id
    acme.start("older")
    EventLog.objects.update(created_at=timezone.now() - timedelta(days=30))
    settings.EVENT_LOG_RETENTION_DAYS = 7
    prune_event_log()
    response = client.get(f"/api/v1/events?after={cursor}", **auth)
    assert response.status_code == 410 and response.json()["code"] == "EVENT_CURSOR_EXPIRED"


@pytest.fixture
def restartable_server(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        server = AsgiServer()
        yield server
        server.stop()


async def test_ws_and_rest_replay_across_a_server_restart(acme, restartable_server):
    server = restartable_server.start(timeout=90)
    stream = await Wire.open(server, "/ws")
    await stream.send({"type": "auth", "apiKey": acme.raw_api_key})
    assert (await stream.recv())["type"] == "auth.ok"
    headers = {"Authorization": f"Bearer {acme.raw_api_key}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=10) as api:
        created = await api.post(
            "/api/v1/conversations",
            json={
                "customer_id": acme.customer.pk,
                "message": "before the restart",
                "agent_id": acme.agent.pk,
            },
        )
        assert created.status_code == 201, created.text
    frames = [await stream.recv(), await stream.recv()]
    last_seen = frames[-1]["eventId"]
    await stream.close()
    server.stop()

    # While the server is down the business keeps changing (a worker, another process).
    conv_id = created.json()["id"]
    conv = await run(lambda: acme.business.conversations.get(pk=conv_id))
    for text in ("while away 1", "while away 2"):
        await run(actions.do_post_message, conv, sender_type="customer", content=text)

    server.start(timeout=90)
    stream = await Wire.open(server, "/ws")
    await stream.send({"type": "auth", "apiKey": acme.raw_api_key, "lastEventId": last_seen})
    assert (await stream.recv())["type"] == "auth.ok"
    replayed = []
    while (frame := await stream.recv())["type"] != "replay.done":
        replayed.append(frame)
    assert [f["message"]["content"] for f in replayed] == ["while away 1", "while away 2"]
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=10) as api:
        page = (await api.get(f"/api/v1/events?after={last_seen}")).json()
        assert [e["eventId"] for e in page["events"]] == [f["eventId"] for f in replayed]
        resolved = await api.put(f"/api/v1/conversations/{conv_id}/resolve")
        assert resolved.status_code == 200, resolved.text
    live = await stream.recv()
    assert live["type"] == "session.status_changed" and live["eventId"] > replayed[-1]["eventId"]
    await stream.close()
