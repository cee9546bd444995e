"""The API-key event stream at /ws: auth, refusals, events, isolation between businesses."""

import pytest

from conversations import actions
from conversations.actions import Actor
from conversations.models import Agent
from tests.realtime_topics.helpers import Client, run

pytestmark = pytest.mark.django_db(transaction=True)


async def authed_stream(tenant) -> Client:
    client = await Client.stream()
    await client.send({"type": "auth", "apiKey": tenant.raw_api_key})
    ok = await client.recv()
    assert ok == {
        "type": "auth.ok",
        "projectId": tenant.business.public_id,
        "lastEventId": ok["lastEventId"],  # the cursor of "now" (0: no event yet)
    }
    assert isinstance(ok["lastEventId"], int)
    return client


async def test_stream_carries_the_business_events_with_the_seed_field_names(acme):
    client = await authed_stream(acme)
    owner = Actor.of_agent(acme.owner)

    conv = await run(acme.start, "I have a question")
    created = await client.recv()
    assert created["type"] == "session.created" and created["eventId"] and created["timestamp"]
    session = created["session"]
    assert session["id"] == str(conv.pk) and session["visitorId"] == str(acme.customer.pk)
    assert session["projectId"] == acme.business.public_id and session["status"] == "active"
    assert {"createdAt", "lastActivity", "metadata"} <= session.keys()
    message = await client.recv()
    assert message["type"] == "message.created"
    assert message["message"] == {
        "id": message["message"]["id"],
        "sessionId": str(conv.pk),
        "content": "I have a question",
        "text": "I have a question",
        "attachments": [],
        "type": "visitor",
        "createdAt": message["message"]["createdAt"],
        "deliveredAt": None,
        "readAt": None,
    }

    await run(actions.do_post_message, conv, sender_type="agent", content="Hi", agent=acme.agent)
    taken = await client.recv()  # a reply takes an unassigned conversation over
    assert taken["type"] == "session.assigned" and taken["assignee"]["id"] == str(acme.agent.pk)
    assert (await client.recv())["message"]["type"] == "operator"
    await run(actions.do_post_message, conv, sender_type="system", content="Bot", is_ai=True)
    assert (await client.recv())["message"]["type"] == "ai"

    await run(actions.do_assign, conv, acme.other_agent, actor=owner)
    assigned = await client.recv()
    assert assigned["type"] == "session.assigned" and assigned["assignee"]["id"] == str(
        acme.other_agent.pk
    )
    await run(actions.do_request_handoff, conv, reason="wants a human", actor=Actor.system())
    handoff = await client.recv()
    assert handoff["type"] == "session.handoff_requested" and handoff["reason"] == "wants a human"

    await run(actions.do_identify_customer, acme.customer, name="Jane", external_id="c-1")
    identified = await client.recv()
    assert identified["type"] == "customer.identified"
    assert identified["visitor"]["customerId"] == "c-1"

    await run(actions.do_set_agent_status, acme.agent, Agent.Status.ONLINE)
    presence = await client.recv()
    assert presence["type"] == "agent.status_changed" and presence["agent"]["status"] == "online"

    await run(actions.do_resolve, conv, actor=owner)
    resolved = await client.recv()
    assert resolved["type"] == "session.status_changed"
    assert resolved["conversationStatus"] == "resolved"
    # A close is session.closed (instead of session.status_changed), as in webhooks.
    await run(actions.do_close, conv, actor=owner)
    closed = await client.recv()
    assert closed["type"] == "session.closed" and closed["sessionId"] == str(conv.pk)
    assert closed["conversationStatus"] == "closed" and closed["session"]["status"] == "closed"
    assert closed["previousConversationStatus"] == "resolved"
    await client.close()


async def test_stream_carries_only_its_own_business_events(acme, globex):
    acme_stream = await authed_stream(acme)
    globex_stream = await authed_stream(globex)
    await run(acme.start, "acme only")
    await run(globex.start, "globex only")
    first = await globex_stream.recv()
    assert first["type"] == "session.created"
    assert first["session"]["projectId"] == globex.business.public_id
    assert (await acme_stream.recv())["session"]["projectId"] == acme.business.public_id
    await acme_stream.close()
    await globex_stream.close()


async def test_wrong_or_revoked_key_gets_an_error_frame_and_a_close(acme):
    await run(actions.revoke_api_key, acme.api_key)
    for key in ("pbk_not-a-key", acme.raw_api_key, None, 42):
        client = await Client.stream()
        await client.send({"type": "auth", "apiKey": key})
        frame = await client.recv()
        assert frame["type"] == "error" and frame["code"] == "INVALID_API_KEY"
        assert await client.closed_with() == 4001


async def test_first_frame_must_be_auth(acme):
    for first in ("hello", {"type": "subscribe"}, {"apiKey": acme.raw_api_key}):
        client = await Client.stream()
        await client.send(first)
        frame = await client.recv()
        assert frame["type"] == "error" and frame["code"] == "AUTH_REQUIRED"
        assert await client.closed_with() == 4002


async def test_silent_client_is_closed_after_the_auth_timeout(settings):
    settings.EVENT_STREAM_AUTH_TIMEOUT = 0.2
    client = await Client.stream()
    frame = await client.recv()
    assert frame["type"] == "error" and frame["code"] == "AUTH_TIMEOUT"
    assert await client.closed_with() == 4010


async def test_after_auth_bad_frames_get_errors_and_ping_gets_pong(acme):
    client = await authed_stream(acme)
    await client.send("nope")
    assert (await client.recv())["code"] == "INVALID_JSON"
    await client.send({"type": "publish"})
    assert (await client.recv())["code"] == "UNKNOWN_TYPE"
    await client.send({"type": "ping"})
    assert await client.recv() == {"type": "pong"}
    await client.close()
