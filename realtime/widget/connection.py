"""Socket.IO connection auth: who a socket is (an agent's JWT, a widget's business and optional
session token), checked once at connect; rooms joined; presence of inbox tabs; disconnect."""

from __future__ import annotations

import asyncio
import logging
import re

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from socketio.exceptions import ConnectionRefusedError as Refused

from business_settings.origins import widget_origin_check
from conversations import access, errors, presence, ratelimits
from conversations.auth import agent_for, user_from_access_token
from conversations.models import Agent, Conversation
from conversations.snapshots import iso
from pingback import logging as logs
from realtime import rooms, session_tokens
from realtime.ratelimit import TokenBucket
from realtime.sio import sio
from realtime.widget.customer_handlers import join
from realtime.widget.plumbing import handle
from realtime.widget.state import SocketState, forget, sockets

logger = logging.getLogger(__name__)

BUSINESS_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def refuse(code: str, message: str):
    return Refused(message, {"code": code})


@database_sync_to_async
def resolve_connect(auth: dict, environ: dict) -> SocketState:
    business = access.business_by_public_id(auth["business_id"])
    token, session = auth.get("token"), auth.get("session_token")
    if token is not None:
        agent = agent_for(user_from_access_token(token), business)
        agent = Agent.objects.select_related("user").get(pk=agent.pk)
        return SocketState(business=business, agent=agent)
    # A widget on a website the business did not allow is refused (business_settings.origins).
    widget_origin_check(business, environ.get("HTTP_ORIGIN"), environ.get("HTTP_HOST", ""))
    state = SocketState(business=business)
    if session is not None:
        proved = session_tokens.verify(session, business.pk)
        state.customer_id = access.access_customer(business, proved.customer_id).pk
    return state


@sio.event
async def connect(sid, environ, auth=None):
    if not isinstance(auth, dict) or auth.get("business_id") in (None, ""):
        raise refuse(
            "BUSINESS_ID_MISSING",
            "business_id is missing: connect with auth: {business_id: 'YOUR_BUSINESS_ID'}.",
        )
    business_id = auth["business_id"]
    if not isinstance(business_id, str) or not BUSINESS_ID_RE.fullmatch(business_id):
        raise refuse(
            "BUSINESS_ID_MALFORMED",
            "business_id is malformed: it must be the business id string "
            "(letters, digits, - and _, at most 64 characters).",
        )
    if not auth.get("token"):  # anonymous: agents' tokens are checked by resolve_connect
        try:
            await sync_to_async(ratelimits.check_widget_connect)(ratelimits.client_ip(environ))
        except ratelimits.ConnectRateLimited as exc:
            raise refuse(exc.code, exc.message) from None
    try:
        state = await resolve_connect(auth, environ)
    except errors.BusinessNotFound:
        raise refuse("BUSINESS_NOT_FOUND", "business_id is unknown.") from None
    except session_tokens.InvalidSessionToken as exc:
        raise refuse("SESSION_INVALID", f"{exc} Reconnect without session_token.") from None
    except errors.CustomerNotFound:
        raise refuse(
            "SESSION_INVALID", "session_token names an unknown customer: reconnect without it."
        ) from None
    except errors.DomainError as exc:
        raise refuse(exc.code, exc.message) from None
    state.bucket = TokenBucket(
        settings.SOCKETIO_RATE_LIMIT_PER_SECOND, settings.SOCKETIO_RATE_LIMIT_BURST
    )
    sockets[sid] = state
    public_id = state.business.public_id
    state.observed = logs.socket_opened(
        f"widget_{state.sender_type}", sid, business_id=public_id, customer_id=state.customer_id
    )
    if state.agent:
        for room in rooms.agent_rooms_on_connect(public_id, state.agent.pk, state.agent.is_manager):
            await sio.enter_room(sid, room)
        if auth.get("presence") is True:
            state.presence = True
            start_presence_loop()
            state.agent = await database_sync_to_async(presence.connected)(state.agent, sid)
    else:
        await sio.enter_room(sid, rooms.widgets(public_id))
        if state.customer_id is not None:
            await sio.enter_room(sid, rooms.customer(state.customer_id))
            sio.start_background_task(offer_newer_conversation, sid, state, auth)
    if auth.get("conversation_id") is not None:
        sio.start_background_task(join_from_auth, sid, auth)


async def offer_newer_conversation(sid: str, state: SocketState, auth: dict) -> None:
    """A returning visitor whose team started a newer conversation meanwhile is told so
    (``conversation_started``), as if they had been online when it started."""
    known = auth.get("conversation_id")
    known = known if isinstance(known, int) and not isinstance(known, bool) else 0
    newest = await database_sync_to_async(
        lambda: (
            Conversation.objects.filter(
                business=state.business, customer_id=state.customer_id, pk__gt=known
            )
            .exclude(status__in=[Conversation.Status.CLOSED])
            .order_by("-pk")
            .values_list("pk", "created_at")
            .first()
        )
    )()
    if newest is not None:
        started = {"conversation_id": newest[0], "created_at": iso(newest[1])}
        await sio.emit("conversation_started", started, to=sid)


async def join_from_auth(sid: str, auth: dict) -> None:
    """``auth.conversation_id`` (+ ``last_message_id``): join and replay once connected."""
    for _ in range(100):
        if sio.manager.is_connected(sid, "/"):
            break
        await asyncio.sleep(0.01)
    data = {"conversation_id": auth.get("conversation_id")}
    if auth.get("last_message_id") is not None:
        data["last_message_id"] = auth["last_message_id"]
    await handle(sid, "join_conversation", data, join, rate_limited=False)


@sio.event
async def disconnect(sid, reason=None):
    state = sockets.get(sid)
    forget(sid, reason)
    if state is not None and state.presence:
        await database_sync_to_async(presence.disconnected)(state.agent, sid)


presence_loop: list = []


def start_presence_loop() -> None:
    """Once per process: renew this process's inbox connections and sweep expired ones."""
    if not presence_loop:
        presence_loop.append(sio.start_background_task(presence_heartbeat))


async def presence_heartbeat() -> None:
    while True:
        await asyncio.sleep(presence.ttl() / 3)
        try:
            mine = {sid: s.agent.pk for sid, s in list(sockets.items()) if s.presence}
            await database_sync_to_async(presence.heartbeat)(mine)
            await database_sync_to_async(presence.sweep)()
        except Exception:
            logger.exception("presence heartbeat failed")
