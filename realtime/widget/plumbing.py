"""The plumbing every Socket.IO handler goes through: one object payload, the socket's rate
limit, an agent's membership re-read, errors as ``{"ok": false, "error"}`` acks, and the
conversations a socket may use.

Every handler is thin: parse, check the socket's identity, call one action in a worker thread
(``database_sync_to_async``), render. Failures answer the ack with
``{"ok": false, "error": {"code", "message"}}`` and emit an ``error`` event; the socket stays
connected. The protocol is documented in docs/widget-protocol.md.
"""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async
from django.conf import settings

from conversations import access, errors
from conversations.models import Agent, Business, Conversation
from pingback import logging as logs
from pingback.db_connections import hot_path_sync_to_async
from realtime import control, payloads, rooms, safe_json, sio_fanout
from realtime.sio import sio
from realtime.widget.state import SocketState, forget, sockets

logger = logging.getLogger(__name__)

REPLAY_BATCH = 200
# Every event a handler is registered for (``handler``): the unknown-event error lists them.
KNOWN_EVENTS: set[str] = set()


def write(fn):
    """Run a message write in a worker thread.

    On PostgreSQL, writes from different sockets run in parallel threads (each with its own
    connection; the conversation row lock orders writes to one conversation), instead of
    queueing on the single thread ``database_sync_to_async`` uses by default: a commit waiting
    for the WAL flush no longer blocks every other socket of the process (bench/roundtrip.py).
    SQLite has one writer anyway and keeps the single thread. Connection health checks run at
    most once a second per connection (pingback/db_connections.py), not once per message.
    """
    return hot_path_sync_to_async(fn, thread_sensitive=not settings.IS_POSTGRES)


def int_field(data: dict, name: str, *, required: bool) -> int | None:
    value = data.get(name)
    if value is None:
        if required:
            raise errors.ValidationFailed(f"{name} is required.", field=name)
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise errors.ValidationFailed(f"{name} must be a non-negative integer.", field=name)
    return value


# --- the handler wrapper: rate limit, payload shape, errors ----------------------------------


async def to_own_socket(event: str, data: dict, sid: str) -> None:
    """Emit to the socket whose event this process is handling: it is connected here, so the
    frame is written directly instead of a round trip through the Redis backplane (with Redis,
    ``sio.emit(to=sid)`` publishes even for a local socket: a new connection and a PUBLISH per
    message in issue 12's profile)."""
    await sio.emit(event, data, to=sid, ignore_queue=True)


async def fail(sid: str, event: str, code: str, message: str, **details) -> dict:
    error = {"code": code, "message": message, **{k: v for k, v in details.items() if v}}
    await to_own_socket("error", {"event": event, **error}, sid)
    return {"ok": False, "error": error}


async def handle(sid, event, data, fn, *, rate_limited=True):
    state = sockets.get(sid)
    if state is None:
        return await fail(sid, event, "NOT_CONNECTED", "This socket is not connected.")
    try:
        wait = state.bucket.take() if rate_limited else 0
        if wait:
            return await fail(
                sid,
                event,
                "RATE_LIMITED",
                f"Too many events: slow down and retry in {wait:.1f} s.",
                retry_after=round(wait, 3),
            )
        if state.agent is not None:
            await recheck_agent(sid, state)
        if isinstance(data, safe_json.TooDeep):
            raise errors.ValidationFailed(
                f"{event} payload is nested too deeply.", code="INVALID_PAYLOAD"
            )
        if not isinstance(data, dict):
            got = "nothing" if data is None else type(data).__name__
            raise errors.ValidationFailed(
                f"{event} expects one object payload, got {got}.", code="INVALID_PAYLOAD"
            )
        with logs.bind(
            request_id=logs.new_request_id(),
            business_id=state.business.public_id,
            conversation_id=data.get("conversation_id"),
        ):
            result = await fn(sid, state, data)
        return {"ok": True, **result}
    except errors.DomainError as exc:
        return await fail(
            sid,
            event,
            exc.code,
            exc.message,
            field=exc.details.get("field"),
            retry_after=exc.details.get("retry_after"),
        )
    except Exception:
        logger.exception("socket.io handler %s failed", event)
        return await fail(sid, event, "INTERNAL_ERROR", "Something went wrong on our side.")


@database_sync_to_async
def current_membership(agent: Agent) -> Agent | None:
    return Agent.objects.select_related("user").filter(pk=agent.pk, user__is_active=True).first()


@database_sync_to_async
def still_visible(agent: Agent, business: Business, conversation_ids: set[int]) -> set[int]:
    visible = access.visible_conversations(agent, business).filter(pk__in=conversation_ids)
    return set(visible.values_list("pk", flat=True))


async def recheck_agent(sid: str, state: SocketState) -> None:
    """An agent socket lives longer than the membership it proved at connect: read it again.

    A member removed from the business (or a deactivated user) loses the socket; a changed role
    moves the socket to the rooms of its new role, keeping only conversations it may still see.
    """
    current = await current_membership(state.agent)
    if current is None or current.is_manager != state.agent.is_manager:
        state.proved.clear()
    if current is None:
        forget(sid, "agent removed")
        for room in sio.rooms(sid):
            if room != sid:
                await sio.leave_room(sid, room)
        sio.start_background_task(disconnect_soon, sid)
        raise errors.PermissionDenied(
            "You are no longer an agent of this business.", code="AGENT_REMOVED"
        )
    if current.is_manager != state.agent.is_manager:
        for room in sio.rooms(sid):
            if room != sid:
                await sio.leave_room(sid, room)
        public_id = state.business.public_id
        for room in rooms.agent_rooms_on_connect(public_id, current.pk, current.is_manager):
            await sio.enter_room(sid, room)
        joined, state.joined = state.joined, set()
        state.agent = current
        for conv_id in await still_visible(current, state.business, joined):
            await enter_conversation(sid, state, conv_id)
    state.agent = current


async def membership_changed(sid: str, data: dict) -> None:
    """A control message: this agent's membership changed while the socket sat idle."""
    state = sockets.get(sid)
    if state is None or state.agent is None:
        return
    try:
        await recheck_agent(sid, state)
    except errors.PermissionDenied as exc:
        await sio.emit("error", {"code": exc.code, "message": exc.message}, to=sid)


control.register(sio_fanout.MEMBERSHIP_CHANGED, membership_changed)


async def disconnect_soon(sid: str) -> None:
    await asyncio.sleep(0.1)  # let the refusal's ack go out first
    await sio.disconnect(sid)


def handler(event: str):
    """Register ``fn(sid, state, data) -> dict`` for ``event``, through ``handle``."""
    KNOWN_EVENTS.add(event)

    def register(fn):
        async def on_event(sid, data=None, *extra):
            if extra:
                data = "extra arguments"  # one object payload, nothing else
            return await handle(sid, event, data, fn)

        sio.on(event, on_event)
        return fn

    return register


@sio.on("*")
async def unknown_event(event, sid, *args):
    async def refuse(sid, state, data):
        raise errors.ValidationFailed(
            f"Unknown event {event!r}. Known events: {', '.join(sorted(KNOWN_EVENTS))}.",
            code="UNKNOWN_EVENT",
        )

    return await handle(sid, str(event)[:100], {}, refuse)


# --- conversations the socket may use --------------------------------------------------------


def own_conversation(state: SocketState, conversation_id) -> Conversation:
    """The conversation if this socket may use it; NotFound otherwise (sync, ORM)."""
    if state.agent is not None:
        return access.access_conversation(state.business, conversation_id, agent=state.agent)
    if state.customer_id is None:
        raise errors.ConversationNotFound(
            "Conversation not found. A widget socket reaches only its own customer's "
            "conversations: reconnect with the session_token from your first message's ack."
        )
    conv = access.access_conversation(state.business, conversation_id)
    if conv.customer_id != state.customer_id:
        raise errors.ConversationNotFound("Conversation not found.")
    return conv


def writable_conversation(state: SocketState, conversation_id: int) -> tuple[Conversation, bool]:
    """The conversation a message goes to, and whether the write must re-check an agent's access.

    The first message proves access with the full check (own_conversation); later ones reuse
    the proof without a query. The action re-reads the conversation under its row lock anyway,
    and for an agent it re-checks visibility on that locked row (``recheck_visibility``), so a
    conversation reassigned away from a plain agent refuses their next write.
    """
    if conversation_id in state.proved:
        stub = Conversation(
            pk=conversation_id, business_id=state.business.pk, customer_id=state.customer_id
        )
        return stub, state.agent is not None
    conv = own_conversation(state, conversation_id)
    state.proved.add(conv.pk)
    return conv, False


async def enter_conversation(sid: str, state: SocketState, conv_id: int) -> None:
    if state.agent is not None:
        names = rooms.conversation_rooms_for_agent(conv_id, state.agent.pk, state.agent.is_manager)
    else:
        names = rooms.conversation_rooms_for_customer(conv_id)
    for room in names:
        await sio.enter_room(sid, room)
    state.joined.add(conv_id)


@database_sync_to_async
def messages_after(conv: Conversation, after_id: int) -> list[dict]:
    return [
        payloads.message_from_model(m) for m in access.messages_after(conv, after_id, REPLAY_BATCH)
    ]
