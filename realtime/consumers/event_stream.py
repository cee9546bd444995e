"""The API-key event stream at ``/ws`` (seed: pocketping-rest-api, "WebSocket").

The first frame must be ``{"type": "auth", "apiKey": "...", "lastEventId": N?}`` within
``EVENT_STREAM_AUTH_TIMEOUT`` seconds. Then the stream carries the key's business's events
as JSON (``session.created``, ``message.created``, ``session.closed``, …; shapes in
``conversations.pocketping_events``). With ``lastEventId`` it first replays what the business
missed after that event from the event log (``conversations.replay``), then goes live with no
gap and no duplicate: it joins the live group before reading the log, holds live frames while
replaying, and drops those the replay already sent. Refusals send an error frame, then close
with a code below.
"""

from __future__ import annotations

import asyncio
import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from conversations import errors, replay
from conversations.auth import caller_from_api_key
from pingback import logging as logs
from realtime.hub import get_hub
from realtime.projections.stream import GROUP_KEY_REVOKED, api_key_group, stream_group, texts

CLOSE_INVALID_API_KEY = 4001
CLOSE_AUTH_REQUIRED = 4002  # the first frame was not an auth frame
CLOSE_AUTH_TIMEOUT = 4010
CLOSE_CURSOR_EXPIRED = 4011  # lastEventId is older than the event log keeps
CLOSE_GAP = 4012  # the stream may have missed events: reconnect with lastEventId
MAX_FRAME_CHARS = 16 * 1024


def error(code: str, message: str, title: str = "Bad request") -> dict:
    return {"type": "error", "error": title, "message": message, "code": code}


class EventStreamConsumer(AsyncWebsocketConsumer):
    business_id: int | None = None
    group: str | None = None
    closing = False
    observed: logs.OpenSocket | None = None
    # While replaying: live frames wait here as (event id, texts); None once live.
    held: list | None = None
    last_event_id: int | None = None  # the last event this stream sent
    # Event ids the replay sent: an event committed before the log was read can still reach
    # the live feed afterwards (its dispatch runs after its commit), and must not come twice.
    replayed: frozenset = frozenset()

    async def connect(self):
        await self.accept()
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
        if self.observed is not None:
            self.observed.closed(code=code)
        if self.group:
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
            after = replay.parse_cursor(frame.get("lastEventId"), "lastEventId")
        except errors.ValidationFailed as exc:
            return await self.refuse(CLOSE_AUTH_REQUIRED, error(exc.code, exc.message))
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
        resuming = "lastEventId" in frame and frame["lastEventId"] is not None
        if resuming:
            self.held = []
        await get_hub().add(self.group, self)
        await get_hub().add(self.key_group, self)
        if not resuming:
            # The cursor of "now", so even a fresh stream can resume after a gap.
            after = await database_sync_to_async(replay.latest_event_id)(caller.business)
        self.last_event_id = after
        self.observed = logs.socket_opened("event_stream", business_id=caller.business.public_id)
        await self.send_json(
            {"type": "auth.ok", "projectId": caller.business.public_id, "lastEventId": after}
        )
        if resuming:
            await self.replay(caller.business, after)
        return None

    async def replay(self, business, after: int) -> None:
        """Send what was missed after ``after``, then the live frames held meanwhile."""
        sent: set[int] = set()
        while True:
            try:
                found = await database_sync_to_async(replay.events_after)(business, after)
            except errors.CursorExpired as exc:
                return await self.refuse(CLOSE_CURSOR_EXPIRED, error(exc.code, exc.message, "Gone"))
            for event, _rendered in found:
                for text in texts(event):
                    await self.send(text_data=text)
                sent.add(event.id)
                after = self.last_event_id = event.id
            if len(found) < replay.PAGE_MAX:
                break
        self.replayed = frozenset(sent)
        while self.held:
            event_id, held_texts = self.held.pop(0)
            if event_id in sent:
                continue  # committed while we read the log: the replay sent it already
            for text in held_texts:
                await self.send(text_data=text)
            self.last_event_id = event_id
        self.held = None
        await self.send_json({"type": "replay.done", "lastEventId": after})

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
        if self.held is not None:
            self.held.append((message["event_id"], message["texts"]))
            return
        if message["event_id"] in self.replayed:
            return
        for text in message["texts"]:
            await self.send(text_data=text)
        self.last_event_id = message["event_id"]

    async def on_gap(self):
        """The hub lost contact with the channel layer: events may be missing. Say so and
        close, so the client resumes from the last event it got (``lastEventId``)."""
        if self.business_id is None or self.closing:
            return
        self.closing = True
        await self.send_json(
            {
                "type": "stream.gap",
                "lastEventId": self.last_event_id,
                "message": "Events may have been missed: reconnect with lastEventId.",
            }
        )
        await self.close(code=CLOSE_GAP)
