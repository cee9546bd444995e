"""Collision detection: the ephemeral conversation.viewing event (action and socket event)."""

import asyncio

import pytest
import socketio
from rest_framework_simplejwt.tokens import AccessToken

from conversations import errors
from conversations.actions import Actor, do_assign
from conversations.events import EventType
from conversations.models import EventLog
from inbox.actions import do_set_viewing
from tests.live import AsgiServer


@pytest.mark.django_db(transaction=True)
def test_viewing_is_ephemeral_staff_only_and_checked(acme, globex, captured_events):
    conv = acme.start()
    before = EventLog.objects.count()
    do_set_viewing(acme.agent, conv, True)
    event = captured_events[-1]
    assert event.type == EventType.VIEWING and event.id is None
    assert event.data["name"] == acme.agent.display_name
    assert not event.audience.allows_customer(conv.customer_id, acme.business.pk)
    assert EventLog.objects.count() == before
    with pytest.raises(errors.ValidationFailed):
        do_set_viewing(acme.agent, conv, "yes")
    with pytest.raises(errors.NotFound):
        do_set_viewing(globex.agent, conv, True)  # another business
    conv = do_assign(conv, acme.other_agent, actor=Actor.of_agent(acme.owner))
    with pytest.raises(errors.NotFound):
        do_set_viewing(acme.agent, conv, True)  # no longer visible to this plain agent


async def _client(url, auth):
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, auth=auth, transports=["websocket"], wait_timeout=20)
    return client


@pytest.mark.django_db(transaction=True)
def test_viewing_socket_event_checks_input_and_business(acme, globex, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    conv, foreign = acme.start(), globex.start()
    token = str(AccessToken.for_user(acme.owner.user))
    with AsgiServer() as server:

        async def run():
            owner = await _client(
                server.url, {"business_id": acme.business.public_id, "token": token}
            )
            widget = await _client(server.url, {"business_id": acme.business.public_id})
            try:
                call = owner.call
                ok = await call("viewing", {"conversation_id": conv.pk, "is_viewing": True})
                assert ok == {"ok": True, "conversation_id": conv.pk}
                for bad in [
                    {},
                    {"conversation_id": conv.pk},
                    {"conversation_id": "x"},
                    {"conversation_id": conv.pk, "is_viewing": "yes"},
                ]:
                    answer = await call("viewing", bad)
                    assert answer["ok"] is False and answer["error"]["message"], bad
                answer = await call("viewing", {"conversation_id": foreign.pk, "is_viewing": True})
                assert answer["error"]["code"] == "CONVERSATION_NOT_FOUND"
                answer = await widget.call(
                    "viewing", {"conversation_id": conv.pk, "is_viewing": True}
                )
                assert answer["error"]["code"] == "AGENT_ONLY"
            finally:
                await owner.disconnect()
                await widget.disconnect()

        asyncio.run(run())
