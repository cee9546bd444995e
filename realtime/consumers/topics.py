"""The realtime topics API at ``/api/?token=<JWT>`` (seed: pingstreams-realtime-api).

Connect with an agent's simplejwt access token; subscribe to topics; receive a snapshot
``publish`` (method CREATE) and then live CREATE/UPDATE publishes. Authorization runs on
subscribe and again on every push (``event.audience``), so an agent who loses a
conversation stops hearing about it.

A missing, bad or expired token, or a user who is no agent, is refused at the HTTP upgrade
(403), as Tiledesk's server does: its dashboard (``websocket-js.ts``) resets its reconnect
back-off in ``onopen``, so an accepted-then-closed socket would make it retry every second.
Later refusals (connection limits, idle, lost membership) send an error frame that says why,
then close with an application close code (see ``CLOSE_*``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from conversations import access, errors
from conversations.auth import user_from_access_token
from conversations.events import Audience
from pingback import logging as logs
from realtime import limits, topics
from realtime.hub import get_hub
from realtime.projections.topics import GROUP_MEMBERSHIP, user_group

logger = logging.getLogger(__name__)

CLOSE_NOT_AN_AGENT = 4003  # the user's last membership was removed while connected
CLOSE_LIMITED = 4008  # too many new or concurrent connections
CLOSE_IDLE = 4010  # nothing received for TOPICS_IDLE_TIMEOUT seconds

PING = {"action": "heartbeat", "payload": {"message": {"text": "ping"}}}
PONG = {"action": "heartbeat", "payload": {"message": {"text": "pong"}}}
MAX_FRAME_CHARS = 64 * 1024


@dataclass
class Member:
    agent_id: int
    is_manager: bool


def _token_from_query(scope) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    if not values or not values[0].strip():
        return None
    raw = values[0].strip()
    for prefix in ("JWT ", "Bearer "):  # dashboards often send "JWT <token>"
        if raw.startswith(prefix):
            raw = raw[len(prefix) :].strip()
    return raw


def _authenticate(raw):
    return _authenticate_user(user_from_access_token(raw))


def _authenticate_user(user):
    members = {
        a.business_id: Member(a.pk, a.is_manager)
        for a in access.memberships(user)
        if a.user.is_active
    }
    return user, members


class TopicsConsumer(AsyncWebsocketConsumer):
    user = None
    slot_held = False
    observed: logs.OpenSocket | None = None
    watchdog: asyncio.Task | None = None

    async def connect(self):
        self.members: dict[int, Member] = {}
        self.subscriptions: dict[str, str] = {}  # topic -> group
        self.topic_business: dict[str, int] = {}  # topic -> business pk
        # Topics whose snapshot is being read: their pushes wait here, then follow it.
        self.held: dict[str, list] = {}
        self.last_seen = time.monotonic()
        raw = _token_from_query(self.scope)
        if raw is None:
            return await self.refuse_upgrade("TOKEN_MISSING")
        try:
            self.user, self.members = await database_sync_to_async(_authenticate)(raw)
        except errors.Unauthorized:
            return await self.refuse_upgrade("TOKEN_INVALID")
        if not self.members:
            return await self.refuse_upgrade("NOT_AN_AGENT")
        await self.accept()
        refused = await database_sync_to_async(limits.acquire)(self.user.pk)
        if refused is not None:
            return await self.refuse(CLOSE_LIMITED, *refused)
        self.slot_held = True
        self.observed = logs.socket_opened("topics", user_id=self.user.pk)
        self.user_group = user_group(self.user.pk)
        await get_hub().add(self.user_group, self)
        self.watchdog = asyncio.create_task(self.heartbeat())

    async def refuse_upgrade(self, code: str):
        """Close before accepting: the server answers the upgrade with HTTP 403."""
        logger.info("topics connection refused at the upgrade: %s", code)
        await self.close()

    async def refuse(self, close_code: int, code: str, message: str):
        await self.send_json(topics.error_frame(code, message))
        await self.close(code=close_code, reason=message[:120])

    async def disconnect(self, code):
        if self.watchdog is not None and self.watchdog is not asyncio.current_task():
            self.watchdog.cancel()
        hub = get_hub()
        for group in set(self.subscriptions.values()) | set(self.held):
            await hub.remove(group, self)
        if getattr(self, "user_group", None):
            await hub.remove(self.user_group, self)
        self.subscriptions = {}
        self.held = {}
        if self.slot_held:
            self.slot_held = False
            if self.observed is not None:
                self.observed.closed(code=code)
            await database_sync_to_async(limits.release)(self.user.pk)

    async def send_json(self, frame: dict):
        await self.send(text_data=json.dumps(frame))

    async def heartbeat(self):
        """Ping every TOPICS_HEARTBEAT_INTERVAL s; close after TOPICS_IDLE_TIMEOUT s of silence."""
        interval = settings.TOPICS_HEARTBEAT_INTERVAL
        timeout = settings.TOPICS_IDLE_TIMEOUT
        next_ping = time.monotonic() + interval if interval else float("inf")
        while True:
            deadline = self.last_seen + timeout if timeout else float("inf")
            wake = min(deadline, next_ping)
            if wake == float("inf"):
                return
            await asyncio.sleep(max(0.0, wake - time.monotonic()))
            now = time.monotonic()
            if timeout and now >= self.last_seen + timeout:
                await self.refuse(
                    CLOSE_IDLE, "IDLE_TIMEOUT", f"Nothing received for {timeout:g} seconds."
                )
                return
            if now >= next_ping:
                next_ping = now + interval
                await self.send_json(PING)
                await database_sync_to_async(limits.refresh)(self.user.pk)

    # --- client frames ---------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if not self.slot_held:  # refused at connect; the close is on its way
            return None
        self.last_seen = time.monotonic()
        if text_data is None or len(text_data) > MAX_FRAME_CHARS:
            return await self.send_json(
                topics.error_frame("INVALID_FRAME", "Send JSON text frames under 64 KiB.")
            )
        try:
            frame = json.loads(text_data)
        except ValueError:
            return await self.send_json(
                topics.error_frame("INVALID_JSON", "This frame is not valid JSON.")
            )
        if not isinstance(frame, dict):
            return await self.send_json(
                topics.error_frame("INVALID_FRAME", 'Frames are objects: {"action", "payload"}.')
            )
        action = frame.get("action")
        payload = frame.get("payload")
        if not isinstance(payload, dict):
            payload = {}
        topic = payload.get("topic") if isinstance(payload.get("topic"), str) else None
        if action == "heartbeat":
            message = payload.get("message")
            if isinstance(message, dict) and message.get("text") == "ping":
                await self.send_json(PONG)
            return None
        if action == "subscribe":
            return await self.subscribe(payload.get("topic"))
        if action == "unsubscribe":
            return await self.unsubscribe(payload.get("topic"))
        if action in ("publish", "broadcast"):
            return await self.send_json(
                topics.error_frame("PUBLISH_FORBIDDEN", "Clients cannot publish.", topic)
            )
        return await self.send_json(
            topics.error_frame(
                "UNKNOWN_ACTION",
                "Unknown action; expected subscribe, unsubscribe or heartbeat.",
                topic,
            )
        )

    async def subscribe(self, raw_topic):
        name = raw_topic if isinstance(raw_topic, str) else None
        limit = settings.TOPICS_MAX_SUBSCRIPTIONS
        if name not in self.subscriptions and limit and len(self.subscriptions) >= limit:
            return await self.send_json(
                topics.error_frame(
                    "TOO_MANY_SUBSCRIPTIONS",
                    f"At most {limit} subscriptions per connection; unsubscribe first.",
                    name,
                )
            )
        try:
            topic = topics.parse_topic(raw_topic)
        except topics.TopicError as exc:
            return await self.send_json(topics.error_frame(exc.code, exc.message, name))
        # Join first: pushes that arrive while the snapshot is read are held and sent after
        # it, so nothing falls between snapshot and live.
        hub = get_hub()
        self.held.setdefault(topic.group, [])
        await hub.add(topic.group, self)
        try:
            sub = await database_sync_to_async(topics.subscribe)(self.user, raw_topic)
        except topics.TopicError as exc:
            self.held.pop(topic.group, None)
            if topic.group not in self.subscriptions.values():
                await hub.remove(topic.group, self)
            return await self.send_json(topics.error_frame(exc.code, exc.message, name))
        self.subscriptions[topic.name] = topic.group
        self.topic_business[topic.name] = sub.business_id
        self.members[sub.business_id] = Member(sub.agent_id, sub.is_manager)
        await self.send_json(topics.publish_frame(topic.name, topics.CREATE, sub.snapshot))
        for message in self.held.pop(topic.group, []):
            await self.push(message)
        return None

    async def unsubscribe(self, raw_topic):
        name = raw_topic if isinstance(raw_topic, str) else None
        group = self.subscriptions.pop(name, None) if name else None
        self.topic_business.pop(name, None)
        if group is None:
            return None  # silent, as Tiledesk's server (its dashboard unsubscribes freely)
        if group not in self.subscriptions.values():
            await get_hub().remove(group, self)
        return None

    # --- pushes from the event pipeline (realtime.hub) ----------------------------------------

    async def push(self, message):
        if message["type"] == GROUP_MEMBERSHIP:
            return await self.membership_changed()
        held = self.held.get(message["group"])
        if held is not None:
            held.append(message)
            return
        if message["topic"] not in self.subscriptions:
            return
        member = self.members.get(message["business_id"])
        if member is None:
            return
        # The hub hands every local subscriber the same message: parse its audience once.
        audience = message.get("_audience")
        if audience is None:
            audience = message["_audience"] = Audience.from_json(message["audience"])
        allowed = audience.allows_agent(member.agent_id, message["business_id"], member.is_manager)
        if not allowed:
            return
        await self.send(text_data=message["text"])

    async def membership_changed(self):
        """A membership of this user changed: re-read them all, drop what is no longer theirs."""
        _, self.members = await database_sync_to_async(_authenticate_user)(self.user)
        if not self.members:
            return await self.refuse(
                CLOSE_NOT_AN_AGENT, "NOT_AN_AGENT", "You are no longer an agent of any business."
            )
        hub = get_hub()
        for name, business_id in list(self.topic_business.items()):
            if business_id in self.members:
                continue
            group = self.subscriptions.pop(name, None)
            self.topic_business.pop(name, None)
            if group and group not in self.subscriptions.values():
                await hub.remove(group, self)
            await self.send_json(
                topics.error_frame("ACCESS_REVOKED", "You no longer belong to this business.", name)
            )
        return None
