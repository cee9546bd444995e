"""A websockets client for a real web server (tests/live.py AsgiServer).

Like the tiledesk dashboard client, it answers the server's heartbeat pings with pongs (in
the background, so it stays alive while a test is busy elsewhere) unless told not to.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

PING = {"action": "heartbeat", "payload": {"message": {"text": "ping"}}}
PONG = {"action": "heartbeat", "payload": {"message": {"text": "pong"}}}
TIMEOUT = 10


class Wire:
    def __init__(self, ws, answer_pings: bool):
        self.ws = ws
        self.answer_pings = answer_pings
        self.frames: asyncio.Queue = asyncio.Queue()
        self.close_code: int | None = None
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, server, path: str, answer_pings: bool = True) -> Wire:
        ws = await connect(f"ws://127.0.0.1:{server.port}{path}", open_timeout=TIMEOUT)
        return cls(ws, answer_pings)

    async def _read(self):
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                if frame == PING and self.answer_pings:
                    await self.send(PONG)
                    continue
                await self.frames.put(frame)
        except ConnectionClosed:
            pass
        self.close_code = self.ws.close_code
        await self.frames.put(None)

    async def send(self, frame) -> None:
        await self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self, skip_pings: bool = True) -> dict:
        while True:
            frame = await asyncio.wait_for(self.frames.get(), TIMEOUT)
            assert frame is not None, f"closed with {self.close_code}"
            if not (skip_pings and frame == PING):
                return frame

    async def subscribe(self, topic: str) -> dict:
        await self.send({"action": "subscribe", "payload": {"topic": topic}})
        return await self.recv()

    async def closed_with(self) -> int:
        while (frame := await asyncio.wait_for(self.frames.get(), TIMEOUT)) is not None:
            assert frame == PING, frame
        return self.close_code

    async def close(self) -> None:
        await self.ws.close()
        with contextlib.suppress(asyncio.CancelledError):
            await self.reader
