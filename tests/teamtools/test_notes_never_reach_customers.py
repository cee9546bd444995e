"""A private note never reaches the customer: not their widget socket (live or on a reconnect's
replay), not the PocketPing /ws stream, not a webhook. Colleagues' sockets do get it.

One real web server; the note is written over REST by an agent, then a reply is sent. Every
surface receives the reply (so anything published before it has been delivered), and none of
the frames any customer-facing surface received carries the note's text.
"""

import json

import pytest
from websockets.asyncio.client import connect

from tests.live import AsgiServer
from tests.realtime_sio.conftest import Peer, customer_data, jwt_for, orm
from tests.webhooks.receiver import Receiver
from webhooks import actions as webhook_actions

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "NOTE-ONLY-FOR-STAFF-7f3a"


class RecordingPeer(Peer):
    """A Peer that also keeps every frame it ever received, in order."""

    def __init__(self, url):
        super().__init__(url)
        self.seen: list = []

    async def _record(self, event, *args):
        self.seen.append((event, args))
        await super()._record(event, *args)

    async def until(self, event, content):
        while (frame := await self.next(event))["content"] != content:
            pass
        return frame


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    env = {"REDIS_URL": None, "WEBHOOKS_ALLOW_PRIVATE_URLS": "true"}
    with django_db_blocker.unblock(), AsgiServer(**env) as live:
        yield live


@pytest.fixture
def receiver():
    live = Receiver().start()
    yield live
    live.stop()


async def http(server, method, path, token, body=None):
    import httpx

    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        response = await client.request(
            method, path, json=body, headers={"Authorization": f"Bearer {token}"}
        )
    return response


async def test_a_note_reaches_staff_sockets_and_no_customer_surface(
    server, acme, receiver, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True  # the server process allows it too (env)
    await orm(webhook_actions.create_endpoint)(acme.business, url=receiver.url, events=["*"])
    business = acme.business.public_id
    widget = await RecordingPeer(server.url).connect({"business_id": business})
    ack = await widget.call(
        "client_message", {"content": "Where is my order?", "customer_data": customer_data()}
    )
    conv_id, session_token = ack["conversation_id"], ack["session_token"]
    owner = await Peer(server.url).connect({"business_id": business, "token": jwt_for(acme.owner)})
    admin = await Peer(server.url).connect({"business_id": business, "token": jwt_for(acme.admin)})
    assert (await owner.call("join_conversation", {"conversation_id": conv_id}))["ok"]
    stream = await connect(f"ws://127.0.0.1:{server.port}/ws", open_timeout=10)
    await stream.send(json.dumps({"type": "auth", "apiKey": acme.raw_api_key}))
    assert json.loads(await stream.recv())["type"] == "auth.ok"
    try:
        note = await http(
            server,
            "POST",
            f"/api/v1/conversations/{conv_id}/notes",
            jwt_for(acme.owner),
            {"content": f"@adam {SECRET} refund approved?"},
        )
        assert note.status_code == 201, note.text
        vip = await http(server, "POST", "/api/v1/labels", acme.raw_api_key, {"name": "vip"})
        labelled = await http(
            server,
            "POST",
            f"/api/v1/conversations/{conv_id}/labels",
            acme.raw_api_key,
            {"add": [vip.json()["id"]]},
        )
        assert labelled.status_code == 200, labelled.text
        # Staff: the owner's conversation room gets the note, the admin is told of the mention.
        assert SECRET in (await owner.next("note_created"))["content"]
        mentioned = await admin.next("mentioned")
        assert mentioned["conversation_id"] == conv_id and SECRET in mentioned["text"]
        # Then a reply, which every surface receives after everything published before it.
        await owner.call("agent_message", {"conversation_id": conv_id, "content": "On its way!"})
        await widget.until("new_message", "On its way!")
        ws_frames = []
        while not any(
            f.get("type") == "message.created" and "On its way" in json.dumps(f) for f in ws_frames
        ):
            ws_frames.append(json.loads(await stream.recv()))
        receiver.wait_for(lambda got: any(b"On its way" in r.body for r in got))
        # A reconnecting widget replays its conversation from the start.
        again = await RecordingPeer(server.url).connect(
            {
                "business_id": business,
                "session_token": session_token,
                "conversation_id": conv_id,
                "last_message_id": 0,
            }
        )
        await again.until("new_message", "On its way!")
        widget_frames, replay_frames = widget.seen, again.seen
        for surface, frames in [
            ("widget", widget_frames),
            ("widget replay", replay_frames),
            ("/ws", ws_frames),
            ("webhooks", [r.body.decode() for r in receiver.received]),
        ]:
            assert SECRET not in json.dumps(frames, default=str), surface
        names = {name for name, _ in widget_frames + replay_frames}
        assert "new_message" in names
        assert not names & {"note_created", "mentioned", "conversation_labels_changed"}
        assert any(f["type"] == "session.labels_changed" for f in ws_frames)
        await again.close()
    finally:
        await stream.close()
        for peer in (widget, owner, admin):
            await peer.close()
