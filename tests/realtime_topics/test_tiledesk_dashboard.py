"""A conversation's life as Tiledesk's dashboard would show it (tests/realtime_topics/
tiledesk_dashboard.py follows its frame handling step by step)."""

import pytest
from websockets.exceptions import InvalidStatus

from conversations import actions
from conversations.actions import Actor
from conversations.models import Agent, Message
from tests.live import AsgiServer
from tests.realtime_topics.helpers import Client, run, token_for
from tests.realtime_topics.tiledesk_dashboard import Dashboard, reconnect_delays
from tests.realtime_topics.wire import Wire

pytestmark = pytest.mark.django_db(transaction=True)


class Screen:
    """A dashboard fed by one topics connection."""

    def __init__(self, client: Client, project_id: str):
        self.client = client
        self.dash = Dashboard(project_id)
        self.frames: list[dict] = []

    async def subscribe(self, topic: str) -> dict:
        await self.client.send({"action": "subscribe", "payload": {"topic": topic}})
        return await self.next()

    async def next(self) -> dict:
        frame = await self.client.recv()
        assert frame["action"] != "error", frame
        self.frames.append(frame)
        self.dash.on_frame(frame)
        for answer in self.dash.sent:
            await self.client.send(answer)
        self.dash.sent.clear()
        return frame

    async def take(self, count: int) -> list[dict]:
        return [await self.next() for _ in range(count)]


async def test_a_conversation_life_shows_up_as_the_dashboard_shows_it(acme):
    b = acme.business.public_id
    screen = Screen(await Client.topics(token_for(acme.owner)), b)
    snapshot = await screen.subscribe(f"/{b}/requests")
    assert snapshot["payload"]["message"] == []  # a snapshot is an array

    # A visitor writes: the request is unserved (100).
    conv = await run(acme.start, "Where is my parcel?")
    cid = str(conv.pk)
    await screen.take(2)  # CREATE, then UPDATE with the first text
    assert [r["id"] for r in screen.dash.unserved()] == [cid] and screen.dash.served() == []
    request = screen.dash.unserved()[0]
    assert request["first_text"] == "Where is my parcel?"
    assert request["lead"]["fullname"] == acme.customer.name
    live = screen.frames[-1]["payload"]["message"]
    assert isinstance(live, dict)  # a live push is one object

    # The agent opens it: the detail, the messages, the visitor's presence.
    await screen.subscribe(f"/{b}/requests/{cid}")
    await screen.subscribe(f"/{b}/requests/{cid}/messages")
    presence = f"/{b}/project_users/users/{acme.agent.user_id}"
    await screen.subscribe(presence)
    assert screen.dash.presence[presence]["id_user"]["_id"] == str(acme.agent.user_id)
    assert screen.dash.presence[presence]["user_available"] is False

    # The agent comes online and replies: it joins (served, 200), the reply is the team's.
    await run(actions.do_set_agent_status, acme.agent, Agent.Status.ONLINE)
    await screen.next()
    assert screen.dash.presence[presence]["user_available"] is True
    reply, _ = await run(
        actions.do_post_message, conv, sender_type="agent", content="Let me check", agent=acme.agent
    )
    # assigned (/requests, detail), message (/requests, detail, messages)
    await screen.take(5)
    assert screen.dash.unserved() == [] and [r["id"] for r in screen.dash.served()] == [cid]
    served = screen.dash.served()[0]
    assert served["participants"] == [str(acme.agent.user_id)]
    assert served["status"] == 200 and served["pingback_status"] == "open"

    # The visitor answers, the AI chimes in, a notice is posted.
    await run(actions.do_post_message, conv, sender_type="customer", content="Thanks!")
    await screen.take(3)
    await run(
        actions.do_post_message,
        conv,
        sender_type=Message.SenderType.SYSTEM,
        content="Parcels ship in 2 days.",
        is_ai=True,
    )
    await screen.take(3)
    await run(
        actions.do_post_message,
        conv,
        sender_type=Message.SenderType.SYSTEM,
        content="Conversation transferred",
    )
    await screen.take(3)
    assert screen.dash.transcript(cid) == [
        ("visitor", acme.customer.name, "Where is my parcel?"),
        ("agent", acme.agent.display_name, "Let me check"),
        ("visitor", acme.customer.name, "Thanks!"),
        ("bot", "PingBack AI", "Parcels ship in 2 days."),
        ("info", "PingBack", "Conversation transferred"),
    ]

    # The visitor reads the team's messages: each is replaced whole, and still shows.
    await run(actions.do_mark_read, conv, reader="customer")
    await screen.take(3)
    topic = f"/{b}/requests/{cid}/messages"
    by_id = {m["_id"]: m for m in screen.dash.messages[topic]}
    assert by_id[str(reply.pk)]["status"] == 300 and by_id[str(reply.pk)]["read_at"]
    assert len(screen.dash.transcript(cid)) == 5
    assert screen.dash.transcript(cid)[1] == ("agent", acme.agent.display_name, "Let me check")

    # Resolved: status 1000 removes it from the list; the detail shows it closed.
    await run(actions.do_resolve, conv, actor=Actor.of_agent(acme.agent))
    await screen.take(2)
    assert screen.dash.requests == []
    assert screen.dash.request["status"] == 1000
    assert screen.dash.request["pingback_status"] == "resolved"
    await screen.client.close()


async def test_a_bad_token_makes_the_dashboard_back_off(django_db_setup, acme):
    """websocket-js.ts resets its back-off on open: refused upgrades never open, so it grows."""
    opens = []
    with AsgiServer() as server:
        for _ in range(3):
            try:
                ws = await Wire.open(server, "/api/?token=expired-or-garbage")
            except InvalidStatus as refused:
                assert refused.response.status_code == 403
                opens.append(False)
            else:
                opens.append(True)
                await ws.close()
    assert opens == [False, False, False]
    assert reconnect_delays(opens) == [1000, 2000, 3000]
    # Accepting then closing (PingBack before) kept it at one second forever.
    assert reconnect_delays([True, True, True]) == [1000, 1000, 1000]
