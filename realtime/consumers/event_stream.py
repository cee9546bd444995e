"""The API-key event stream at ``/ws`` (seed: pocketping-rest-api, "WebSocket").

The first frame must be ``{"type": "auth", "apiKey": "..."}`` within
``EVENT_STREAM_AUTH_TIMEOUT`` seconds. Then the stream carries the key's business's events
as JSON (``session.created``, ``message.created``, ``session.closed``, …; shapes in
``realtime.pocketping``). Refusals send an error frame, then close with a code below.
"""

from __future__ import annotations

import asyncio
import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from conversations import errors
from conversations.auth import caller_from_api_key
from pingback import logging as logs
from realtime.hub import get_hub
from realtime.topic_fanout import (
    GROUP_KEY_REVOKED,
    api_key_group,
    bind_to_running_loop,
    stream_group,
)

CLOSE_INVALID_API_KEY = 4001
CLOSE_AUTH_REQUIRED = 4002  # the first frame was not an auth frame
CLOSE_AUTH_TIMEOUT = 4010
MAX_FRAME_CHARS = 16 * 1024


def error(code: str, message: str, title: str = "Bad request") -> dict:
    return {"type": "error", "error": title, "message": message, "code": code}


class EventStreamConsumer(AsyncWebsocketConsumer):
    business_id: int | None = None
    group: str | None = None
    closing = False
    observed: logs.OpenSocket | None = None

    async def connect(self):
        await self.accept()
        bind_to_running_loop()
        self.auth_timer = asyncio.create_task(self.auth_timeout())

    async def auth_timeout(self):
        timeout = settings.EVENT_STREAM_AUTH_TIMEOUT
        await asyncio.sleep(timeout)
        if self.business_id is None and not self.closing:
            await self.refuse(
                CLOSE_AUTH_TIMEOUT,
                error(
                    "AUTH_TIMEOUT",
                    f'Send {{"type": "auth", "apiKey": "..."}} within {timeout:g} seconds.',
                    "Unauthorized",
                ),
            )

    async def refuse(self, close_code: int, frame: dict):
        self.closing = True
        await self.send_json(frame)
        await self.close(code=close_code, reason=frame["message"][:120])

    async def disconnect(self, code):
        self.closing = True
        if self.auth_timer is not asyncio.current_task():
            self.auth_timer.cancel()
        if self.group:
            self.observed.closed(code=code)
            await get_hub().remove(self.group, self)
            await get_hub().remove(self.key_group, self)

    async def send_json(self, frame: dict):
        await self.send(text_data=json.dumps(frame))

    async def receive(self, text_data=None, bytes_data=None):
        if self.closing:
            return None
        frame = None
        if text_data is not None and len(text_data) <= MAX_FRAME_CHARS:
            try:
                frame = json.loads(text_data)
            except ValueError:
                frame = None
        if self.business_id is None:
            return await self.authenticate(frame)
        if not isinstance(frame, dict):
            return await self.send_json(error("INVALID_JSON", "Send JSON objects."))
        if frame.get("type") == "ping":
            return await self.send_json({"type": "pong"})
        return await self.send_json(
            error("UNKNOWN_TYPE", "This stream only sends events; the client may send ping.")
        )

    async def authenticate(self, frame):
        if not isinstance(frame, dict) or frame.get("type") != "auth":
            return await self.refuse(
                CLOSE_AUTH_REQUIRED,
                error(
                    "AUTH_REQUIRED",
                    'The first frame must be {"type": "auth", "apiKey": "..."}.',
                    "Unauthorized",
                ),
            )
        try:
            caller = await database_sync_to_async(caller_from_api_key)(frame.get("apiKey"))
        except errors.Unauthorized as exc:
            return await self.refuse(
                CLOSE_INVALID_API_KEY, error(exc.code, exc.message, "Unauthorized")
            )
        self.auth_timer.cancel()
        self.business_id = caller.business.pk
        self.group = stream_group(caller.business.public_id)
        self.key_group = api_key_group(caller.api_key.pk)
        await get_hub().add(self.group, self)
        await get_hub().add(self.key_group, self)
        self.observed = logs.socket_opened("event_stream", business_id=caller.business.public_id)
        await self.send_json({"type": "auth.ok", "projectId": caller.business.public_id})
        return None

    async def push(self, message):
        if message["type"] == GROUP_KEY_REVOKED:
            if not self.closing:
                await self.refuse(
                    CLOSE_INVALID_API_KEY,
                    error("API_KEY_REVOKED", "This API key was revoked.", "Unauthorized"),
                )
            return
        if message["business_id"] != self.business_id:
            return
        for text in message["texts"]:
            await self.send(text_data=text)
