"""Clients for the topics API (/api/) and the event stream (/ws)."""

from __future__ import annotations

import asyncio
import json

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from pingback.asgi import application
from pingback.bridge import bridge

TIMEOUT = 5


def token_for(agent_or_user) -> str:
    user = getattr(agent_or_user, "user", agent_or_user)
    return str(AccessToken.for_user(user))


def run(fn, *args, **kwargs):
    """Run a sync action from an async test (as a consumer would)."""
    return database_sync_to_async(fn)(*args, **kwargs)


class Client:
    """One WebSocket connection through the full ASGI app, in this process."""

    def __init__(self, path: str):
        self.ws = WebsocketCommunicator(application, path)

    @classmethod
    async def topics(cls, token: str | None) -> Client:
        # Events committed before this connection are delivered before it opens (they belong
        # to its snapshots, not its live feed; a late one would be a harmless repeat).
        await asyncio.to_thread(bridge.wait_idle)
        client = cls("/api/" + (f"?token={token}" if token is not None else ""))
        connected, _ = await client.ws.connect(timeout=TIMEOUT)
        assert connected
        return client

    @classmethod
    async def stream(cls) -> Client:
        # As for topics: events committed before this connection are delivered before it opens
        # (the replay holds them), never on its live feed by a late bridge.
        await asyncio.to_thread(bridge.wait_idle)
        client = cls("/ws")
        connected, _ = await client.ws.connect(timeout=TIMEOUT)
        assert connected
        return client

    async def send(self, frame) -> None:
        await self.ws.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self) -> dict:
        return json.loads(await self.ws.receive_from(timeout=TIMEOUT))

    async def subscribe(self, topic: str) -> dict:
        await self.send({"action": "subscribe", "payload": {"topic": topic}})
        return await self.recv()

    async def unsubscribe(self, topic: str) -> None:
        await self.send({"action": "unsubscribe", "payload": {"topic": topic}})

    async def closed_with(self) -> int:
        """The close code the server sent (after any frames already read)."""
        output = await self.ws.receive_output(timeout=TIMEOUT)
        assert output["type"] == "websocket.close", output
        return output["code"]

    async def close(self) -> None:
        await self.ws.disconnect()


def published(frame: dict, topic: str, method: str) -> list:
    """The objects of a publish: a snapshot's array, or a live push's one object as a list."""
    assert frame["action"] == "publish", frame
    assert frame["payload"]["topic"] == topic, frame
    assert frame["payload"]["method"] == method, frame
    message = frame["payload"]["message"]
    return [message] if isinstance(message, dict) else message


def pushed(frame: dict, topic: str, method: str) -> dict:
    """The one object of a live push (Tiledesk's server sends it bare, not in an array)."""
    message = frame.get("payload", {}).get("message")
    assert isinstance(message, dict), frame
    return published(frame, topic, method)[0]


async def refused_at_upgrade(path: str) -> int | None:
    """Connect to ``path``, expecting the server to refuse the upgrade (no socket opens)."""
    ws = WebsocketCommunicator(application, path)
    connected, code = await ws.connect(timeout=TIMEOUT)
    assert not connected, "the upgrade was accepted"
    return code


def error_code(frame: dict) -> str:
    assert frame["action"] == "error", frame
    return frame["payload"]["code"]
