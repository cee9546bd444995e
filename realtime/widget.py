"""Socket.IO handlers: the widget protocol (seed "pingback-realtime-socketio") and agent sockets.

Every handler is thin: parse, check the socket's identity, call one action in a worker thread
(``database_sync_to_async``), render. Failures answer the ack with
``{"ok": false, "error": {"code", "message"}}`` and emit an ``error`` event; the socket stays
connected. The protocol is documented in docs/widget-protocol.md.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from socketio.exceptions import ConnectionRefusedError as Refused

from conversations import access, actions, errors, presence, ratelimits
from conversations.actions import Actor
from conversations.actions.messages import validate_client_id
from conversations.auth import agent_for, user_from_access_token
from conversations.events import origin
from conversations.models import Agent, Business, Conversation
from pingback import logging as logs
from realtime import control, payloads, rooms, safe_json, session_tokens, sio_fanout
from realtime.actions import start_widget_conversation
from realtime.db import hot_path_sync_to_async
from realtime.ratelimit import TokenBucket
from realtime.sio import sio

logger = logging.getLogger(__name__)

BUSINESS_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
REPLAY_BATCH = 200


@dataclass
class SocketState:
    """What a socket proved at connect time (kept in this process: a socket lives in one)."""

    business: Business
    agent: Agent | None = None
    customer_id: int | None = None
    joined: set[int] = field(default_factory=set)
    # Conversations this socket proved it may write to (see _writable_conversation): a message
    # into one of them skips the access query. A customer's conversations stay theirs; an
    # agent's visibility is re-checked on the locked row inside the write (assignment changes)
    # and the cache is dropped when the agent's membership changes (_recheck_agent).
    proved: set[int] = field(default_factory=set)
    # An inbox tab (auth.presence): counts towards the agent's presence (conversations.presence).
    presence: bool = False
    bucket: TokenBucket | None = None
    # One socket's sends are written in the order they came (see _write below).
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    observed: logs.OpenSocket | None = None  # counted and logged (pingback.logging)

    @property
    def sender_type(self) -> str:
        return "agent" if self.agent else "customer"


_sockets: dict[str, SocketState] = {}


def _write(fn):
    """Run a message write in a worker thread.

    On PostgreSQL, writes from different sockets run in parallel threads (each with its own
    connection; the conversation row lock orders writes to one conversation), instead of
    queueing on the single thread ``database_sync_to_async`` uses by default: a commit waiting
    for the WAL flush no longer blocks every other socket of the process (bench/roundtrip.py).
    SQLite has one writer anyway and keeps the single thread. Connection health checks run at
    most once a second per connection (realtime/db.py), not once per message.
    """
    return hot_path_sync_to_async(fn, thread_sensitive=not settings.IS_POSTGRES)


def _refuse(code: str, message: str):
    return Refused(message, {"code": code})


def _int_field(data: dict, name: str, *, required: bool) -> int | None:
    value = data.get(name)
    if value is None:
        if required:
            raise errors.ValidationFailed(f"{name} is required.", field=name)
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise errors.ValidationFailed(f"{name} must be a non-negative integer.", field=name)
    return value


# --- connect / disconnect -------------------------------------------------------------------


@database_sync_to_async
def _resolve_connect(auth: dict) -> SocketState:
    business = access.business_by_public_id(auth["business_id"])
    token, session = auth.get("token"), auth.get("session_token")
    if token is not None:
        agent = agent_for(user_from_access_token(token), business)
        agent = Agent.objects.select_related("user").get(pk=agent.pk)
        return SocketState(business=business, agent=agent)
    state = SocketState(business=business)
    if session is not None:
        proved = session_tokens.verify(session, business.pk)
        state.customer_id = access.access_customer(business, proved.customer_id).pk
    return state


@sio.event
async def connect(sid, environ, auth=None):
    if not isinstance(auth, dict) or auth.get("business_id") in (None, ""):
        raise _refuse(
            "BUSINESS_ID_MISSING",
            "business_id is missing: connect with auth: {business_id: 'YOUR_BUSINESS_ID'}.",
        )
    business_id = auth["business_id"]
    if not isinstance(business_id, str) or not BUSINESS_ID_RE.fullmatch(business_id):
        raise _refuse(
            "BUSINESS_ID_MALFORMED",
            "business_id is malformed: it must be the business id string "
            "(letters, digits, - and _, at most 64 characters).",
        )
    if not auth.get("token"):  # anonymous: agents' tokens are checked by _resolve_connect
        try:
            await sync_to_async(ratelimits.check_widget_connect)(ratelimits.client_ip(environ))
        except ratelimits.ConnectRateLimited as exc:
            raise _refuse(exc.code, exc.message) from None
    try:
        state = await _resolve_connect(auth)
    except errors.BusinessNotFound:
        raise _refuse("BUSINESS_NOT_FOUND", "business_id is unknown.") from None
    except session_tokens.InvalidSessionToken as exc:
        raise _refuse("SESSION_INVALID", f"{exc} Reconnect without session_token.") from None
    except errors.CustomerNotFound:
        raise _refuse(
            "SESSION_INVALID", "session_token names an unknown customer: reconnect without it."
        ) from None
    except errors.DomainError as exc:
        raise _refuse(exc.code, exc.message) from None
    state.bucket = TokenBucket(
        settings.SOCKETIO_RATE_LIMIT_PER_SECOND, settings.SOCKETIO_RATE_LIMIT_BURST
    )
    _sockets[sid] = state
    public_id = state.business.public_id
    state.observed = logs.socket_opened(
        f"widget_{state.sender_type}", sid, business_id=public_id, customer_id=state.customer_id
    )
    if state.agent:
        for room in rooms.agent_rooms_on_connect(public_id, state.agent.pk, state.agent.is_manager):
            await sio.enter_room(sid, room)
        if auth.get("presence") is True:
            state.presence = True
            _start_presence_loop()
            state.agent = await database_sync_to_async(presence.connected)(state.agent, sid)
    else:
        await sio.enter_room(sid, rooms.widgets(public_id))
    if auth.get("conversation_id") is not None:
        sio.start_background_task(_join_from_auth, sid, auth)


async def _join_from_auth(sid: str, auth: dict) -> None:
    """``auth.conversation_id`` (+ ``last_message_id``): join and replay once connected."""
    for _ in range(100):
        if sio.manager.is_connected(sid, "/"):
            break
        await asyncio.sleep(0.01)
    data = {"conversation_id": auth.get("conversation_id")}
    if auth.get("last_message_id") is not None:
        data["last_message_id"] = auth["last_message_id"]
    await _handle(sid, "join_conversation", data, _join, rate_limited=False)


@sio.event
async def disconnect(sid, reason=None):
    state = _sockets.get(sid)
    _forget(sid, reason)
    if state is not None and state.presence:
        await database_sync_to_async(presence.disconnected)(state.agent, sid)


def _forget(sid: str, reason) -> None:
    state = _sockets.pop(sid, None)
    if state is not None and state.observed is not None:
        state.observed.closed(reason=str(reason) if reason else None)


_presence_loop: list = []


def _start_presence_loop() -> None:
    """Once per process: renew this process's inbox connections and sweep expired ones."""
    if not _presence_loop:
        _presence_loop.append(sio.start_background_task(_presence_heartbeat))


async def _presence_heartbeat() -> None:
    while True:
        await asyncio.sleep(presence.ttl() / 3)
        try:
            mine = {sid: s.agent.pk for sid, s in list(_sockets.items()) if s.presence}
            await database_sync_to_async(presence.heartbeat)(mine)
            await database_sync_to_async(presence.sweep)()
        except Exception:
            logger.exception("presence heartbeat failed")


# --- the handler wrapper: rate limit, payload shape, errors ----------------------------------


async def _to_own_socket(event: str, data: dict, sid: str) -> None:
    """Emit to the socket whose event this process is handling: it is connected here, so the
    frame is written directly instead of a round trip through the Redis backplane (with Redis,
    ``sio.emit(to=sid)`` publishes even for a local socket: a new connection and a PUBLISH per
    message in issue 12's profile)."""
    await sio.emit(event, data, to=sid, ignore_queue=True)


async def _fail(sid: str, event: str, code: str, message: str, **details) -> dict:
    error = {"code": code, "message": message, **{k: v for k, v in details.items() if v}}
    await _to_own_socket("error", {"event": event, **error}, sid)
    return {"ok": False, "error": error}


async def _handle(sid, event, data, fn, *, rate_limited=True):
    state = _sockets.get(sid)
    if state is None:
        return await _fail(sid, event, "NOT_CONNECTED", "This socket is not connected.")
    try:
        wait = state.bucket.take() if rate_limited else 0
        if wait:
            return await _fail(
                sid,
                event,
                "RATE_LIMITED",
                f"Too many events: slow down and retry in {wait:.1f} s.",
                retry_after=round(wait, 3),
            )
        if state.agent is not None:
            await _recheck_agent(sid, state)
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
        return await _fail(
            sid,
            event,
            exc.code,
            exc.message,
            field=exc.details.get("field"),
            retry_after=exc.details.get("retry_after"),
        )
    except Exception:
        logger.exception("socket.io handler %s failed", event)
        return await _fail(sid, event, "INTERNAL_ERROR", "Something went wrong on our side.")


@database_sync_to_async
def _current_membership(agent: Agent) -> Agent | None:
    return Agent.objects.select_related("user").filter(pk=agent.pk, user__is_active=True).first()


@database_sync_to_async
def _still_visible(agent: Agent, business: Business, conversation_ids: set[int]) -> set[int]:
    visible = access.visible_conversations(agent, business).filter(pk__in=conversation_ids)
    return set(visible.values_list("pk", flat=True))


async def _recheck_agent(sid: str, state: SocketState) -> None:
    """An agent socket lives longer than the membership it proved at connect: read it again.

    A member removed from the business (or a deactivated user) loses the socket; a changed role
    moves the socket to the rooms of its new role, keeping only conversations it may still see.
    """
    current = await _current_membership(state.agent)
    if current is None or current.is_manager != state.agent.is_manager:
        state.proved.clear()
    if current is None:
        _forget(sid, "agent removed")
        for room in sio.rooms(sid):
            if room != sid:
                await sio.leave_room(sid, room)
        sio.start_background_task(_disconnect_soon, sid)
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
        for conv_id in await _still_visible(current, state.business, joined):
            await _enter_conversation(sid, state, conv_id)
    state.agent = current


async def _membership_changed(sid: str, data: dict) -> None:
    """A control message: this agent's membership changed while the socket sat idle."""
    state = _sockets.get(sid)
    if state is None or state.agent is None:
        return
    try:
        await _recheck_agent(sid, state)
    except errors.PermissionDenied as exc:
        await sio.emit("error", {"code": exc.code, "message": exc.message}, to=sid)


control.register(sio_fanout.MEMBERSHIP_CHANGED, _membership_changed)


async def _disconnect_soon(sid: str) -> None:
    await asyncio.sleep(0.1)  # let the refusal's ack go out first
    await sio.disconnect(sid)


def handler(event: str):
    def register(fn):
        async def on_event(sid, data=None, *extra):
            if extra:
                data = "extra arguments"  # one object payload, nothing else
            return await _handle(sid, event, data, fn)

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

    return await _handle(sid, str(event)[:100], {}, refuse)


# --- conversations the socket may use --------------------------------------------------------


def _own_conversation(state: SocketState, conversation_id) -> Conversation:
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


def _writable_conversation(state: SocketState, conversation_id: int) -> tuple[Conversation, bool]:
    """The conversation a message goes to, and whether the write must re-check an agent's access.

    The first message proves access with the full check (_own_conversation); later ones reuse
    the proof without a query. The action re-reads the conversation under its row lock anyway,
    and for an agent it re-checks visibility on that locked row (``recheck_visibility``), so a
    conversation reassigned away from a plain agent refuses their next write.
    """
    if conversation_id in state.proved:
        stub = Conversation(
            pk=conversation_id, business_id=state.business.pk, customer_id=state.customer_id
        )
        return stub, state.agent is not None
    conv = _own_conversation(state, conversation_id)
    state.proved.add(conv.pk)
    return conv, False


async def _enter_conversation(sid: str, state: SocketState, conv_id: int) -> None:
    if state.agent is not None:
        names = rooms.conversation_rooms_for_agent(conv_id, state.agent.pk, state.agent.is_manager)
    else:
        names = rooms.conversation_rooms_for_customer(conv_id)
    for room in names:
        await sio.enter_room(sid, room)
    state.joined.add(conv_id)


@database_sync_to_async
def _messages_after(conv: Conversation, after_id: int) -> list[dict]:
    return [
        payloads.message_from_model(m) for m in access.messages_after(conv, after_id, REPLAY_BATCH)
    ]


async def _join(sid, state, data):
    conv_id = _int_field(data, "conversation_id", required=True)
    cursor = _int_field(data, "last_message_id", required=False)
    conv = await database_sync_to_async(_own_conversation)(state, conv_id)
    # Join first, then replay from the database: a message committed in between arrives
    # live and in the replay; clients de-duplicate by id (docs/widget-protocol.md).
    await _enter_conversation(sid, state, conv.pk)
    replayed, last_id = 0, cursor
    while cursor is not None:
        batch = await _messages_after(conv, last_id)
        for message in batch:
            await _to_own_socket("new_message", message, sid)
            last_id = message["id"]
        replayed += len(batch)
        if len(batch) < REPLAY_BATCH:
            break
    return {"conversation_id": conv.pk, "replayed": replayed, "last_message_id": last_id}


handler("join_conversation")(_join)


@handler("leave_conversation")
async def _leave(sid, state, data):
    conv_id = _int_field(data, "conversation_id", required=True)
    for room in list(sio.rooms(sid)):
        if room == rooms.conversation(conv_id) or room.startswith(
            f"{rooms.conversation(conv_id)}_"
        ):
            await sio.leave_room(sid, room)
    state.joined.discard(conv_id)
    return {"conversation_id": conv_id}


# --- messages -------------------------------------------------------------------------------


def _post_as_customer(sid: str, state: SocketState, data: dict, metadata: dict):
    conv_id = _int_field(data, "conversation_id", required=False)
    with origin(sid):
        if conv_id is None:
            return start_widget_conversation(
                state.business,
                content=data.get("content"),
                customer_id=state.customer_id,
                customer_data=data.get("customer_data"),
                client_id=data.get("client_id"),
                metadata=metadata,
                visitor_key=data.get("visitor_key"),
            )
        client_id = validate_client_id(data.get("client_id"))
        conv, _ = _writable_conversation(state, conv_id)
        # attachments: ids uploaded with POST /attachments/widget/upload (docs/attachments.md)
        message, created = actions.do_post_message(
            conv,
            sender_type="customer",
            content=data.get("content"),
            client_id=client_id,
            attachments=data.get("attachments"),
        )
        return conv, message, created


def _post_as_agent(sid: str, state: SocketState, data: dict):
    conv_id = _int_field(data, "conversation_id", required=True)
    client_id = validate_client_id(data.get("client_id"))
    conv, recheck = _writable_conversation(state, conv_id)
    with origin(sid):
        try:
            message, created = actions.do_post_message(
                conv,
                sender_type="agent",
                agent=state.agent,
                content=data.get("content"),
                client_id=client_id,
                recheck_visibility=recheck,
                attachments=data.get("attachments"),
            )
        except errors.ConversationNotFound:
            state.proved.discard(conv_id)
            raise
    return conv, message, created


def _widget_metadata(sid: str, data: dict) -> dict:
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise errors.ValidationFailed("metadata must be an object.", field="metadata")
    environ = sio.get_environ(sid) or {}
    found = {"user_agent": environ.get("HTTP_USER_AGENT", "")[:300], "channel": "socket.io"}
    return {**found, **(metadata or {})}


async def _send(sid, state, data):
    async with state.send_lock:
        if state.agent is not None:
            conv, message, created = await _write(_post_as_agent)(sid, state, data)
        else:
            metadata = _widget_metadata(sid, data)
            if data.get("conversation_id") is None:  # a new conversation: limited (item 8)
                environ = sio.get_environ(sid) or {}
                await sync_to_async(ratelimits.check_new_widget_conversation)(
                    state.business.pk, ratelimits.client_ip(environ)
                )
            conv, message, created = await _write(_post_as_customer)(sid, state, data, metadata)
            state.customer_id = conv.customer_id
    was_joined = conv.pk in state.joined
    await _enter_conversation(sid, state, conv.pk)
    rendered = payloads.message_from_model(message)
    # The broadcast skipped this socket (see sio_fanout.origin): it gets its own copy here,
    # after joining, so it is never missed and never arrives twice from one send.
    await _to_own_socket("new_message", rendered, sid)
    if not was_joined:
        # Between the commit and the join above another process (a Celery worker's AI
        # answer or hand-off, an agent) may already have written: replay what follows.
        for later in await _messages_after(conv, message.pk):
            await _to_own_socket("new_message", later, sid)
    result = {"message": rendered, "conversation_id": conv.pk, "created": created}
    if state.agent is None:
        result["session_token"] = session_tokens.issue(state.business.pk, conv.customer_id)
    return result


handler("client_message")(_send)


@handler("agent_message")
async def _agent_send(sid, state, data):
    if state.agent is None:
        raise errors.PermissionDenied(
            "agent_message needs an agent socket (auth.token); widgets send client_message.",
            code="AGENT_ONLY",
        )
    return await _send(sid, state, data)


# --- typing and receipts --------------------------------------------------------------------


@handler("typing")
async def _typing(sid, state, data):
    conv_id = _int_field(data, "conversation_id", required=True)
    is_typing = data.get("is_typing")
    if not isinstance(is_typing, bool):
        raise errors.ValidationFailed("is_typing must be true or false.", field="is_typing")
    conv = await database_sync_to_async(_set_typing)(sid, state, conv_id, is_typing)
    return {"conversation_id": conv.pk}


def _set_typing(sid: str, state: SocketState, conv_id: int, is_typing: bool) -> Conversation:
    conv = _own_conversation(state, conv_id)
    with origin(sid):  # the typist's own socket does not hear itself
        actions.do_set_typing(conv, is_typing=is_typing, agent=state.agent)
    return conv


def _receipt(mark):
    async def on_receipt(sid, state, data):
        conv_id = _int_field(data, "conversation_id", required=True)
        up_to = _int_field(data, "message_id", required=False)

        def run():
            conv = _own_conversation(state, conv_id)
            return mark(conv, reader=state.sender_type, up_to_id=up_to)

        receipts = await database_sync_to_async(run)()
        return {"conversation_id": conv_id, "receipts": receipts}

    return on_receipt


handler("message_delivered")(_receipt(actions.do_mark_delivered))
handler("message_read")(_receipt(actions.do_mark_read))


# --- CSAT -------------------------------------------------------------------------------------


@handler("rate_conversation")
async def _rate(sid, state, data):
    """The customer rates their resolved conversation (score 1-5, optional comment)."""
    from csat.actions import do_rate_conversation

    if state.agent is not None:
        raise errors.PermissionDenied(
            "Only the customer rates a conversation.", code="CUSTOMER_ONLY"
        )
    conv_id = _int_field(data, "conversation_id", required=True)

    def run():
        conv = _own_conversation(state, conv_id)
        with origin(sid):
            return do_rate_conversation(
                conv,
                score=data.get("score"),
                comment=data.get("comment", ""),
                actor=Actor.of_customer(conv.customer),
            )

    rating = await database_sync_to_async(run)()
    return {"conversation_id": conv_id, "score": rating.score}


# --- agent-only controls --------------------------------------------------------------------


def _require_agent(state: SocketState, event: str) -> Agent:
    if state.agent is None:
        raise errors.PermissionDenied(
            f"{event} needs an agent socket (connect with auth.token).", code="AGENT_ONLY"
        )
    return state.agent


@handler("agent_status")
async def _agent_status(sid, state, data):
    agent = _require_agent(state, "agent_status")
    status = data.get("status")
    if not isinstance(status, str):
        raise errors.ValidationFailed("status must be online, away or offline.", field="status")
    agent = await database_sync_to_async(actions.do_set_agent_status)(agent, status)
    state.agent = agent
    return {"agent_id": agent.pk, "status": agent.status}


@handler("assign_conversation")
async def _assign(sid, state, data):
    agent = _require_agent(state, "assign_conversation")
    conv_id = _int_field(data, "conversation_id", required=True)
    if "agent_id" not in data:
        raise errors.ValidationFailed("agent_id is required (null to unassign).", field="agent_id")
    target_id = _int_field(data, "agent_id", required=False)

    def run():
        conv = _own_conversation(state, conv_id)
        target = access.access_agent(state.business, target_id) if target_id else None
        return actions.do_assign(conv, target, actor=Actor.of_agent(agent))

    conv = await database_sync_to_async(run)()
    return {"conversation_id": conv.pk, "assignee_id": conv.assignee_id}


@handler("viewing")
async def _viewing(sid, state, data):
    agent = _require_agent(state, "viewing")
    conv_id = _int_field(data, "conversation_id", required=True)
    is_viewing = data.get("is_viewing")
    if not isinstance(is_viewing, bool):
        raise errors.ValidationFailed("is_viewing must be true or false.", field="is_viewing")

    def run():
        from inbox.actions import do_set_viewing

        conv = _own_conversation(state, conv_id)
        with origin(sid):  # the viewer's own socket does not hear itself
            do_set_viewing(agent, conv, is_viewing)
        return conv

    conv = await database_sync_to_async(run)()
    return {"conversation_id": conv.pk}


KNOWN_EVENTS = {
    "join_conversation",
    "leave_conversation",
    "client_message",
    "agent_message",
    "typing",
    "message_delivered",
    "message_read",
    "agent_status",
    "assign_conversation",
    "viewing",
    "rate_conversation",
}
