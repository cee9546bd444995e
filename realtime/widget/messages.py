"""Sending messages from a socket (``client_message``, and ``agent_message`` for agents): the
write, joining the conversation, the sender's own copy and the replay after a first join."""

from __future__ import annotations

from asgiref.sync import sync_to_async

from conversations import actions, errors, ratelimits
from conversations.actions.messages import validate_client_id
from conversations.events import origin
from realtime import payloads, rooms, session_tokens
from realtime.actions import start_widget_conversation
from realtime.sio import sio
from realtime.widget.plumbing import (
    enter_conversation,
    int_field,
    messages_after,
    to_own_socket,
    writable_conversation,
    write,
)
from realtime.widget.state import SocketState


def post_as_customer(sid: str, state: SocketState, data: dict, metadata: dict):
    conv_id = int_field(data, "conversation_id", required=False)
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
        conv, _ = writable_conversation(state, conv_id)
        # attachments: ids uploaded with POST /attachments/widget/upload (docs/attachments.md)
        message, created = actions.do_post_message(
            conv,
            sender_type="customer",
            content=data.get("content"),
            client_id=client_id,
            attachments=data.get("attachments"),
        )
        return conv, message, created


def post_as_agent(sid: str, state: SocketState, data: dict):
    conv_id = int_field(data, "conversation_id", required=True)
    client_id = validate_client_id(data.get("client_id"))
    conv, recheck = writable_conversation(state, conv_id)
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


def widget_metadata(sid: str, data: dict) -> dict:
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise errors.ValidationFailed("metadata must be an object.", field="metadata")
    environ = sio.get_environ(sid) or {}
    found = {"user_agent": environ.get("HTTP_USER_AGENT", "")[:300], "channel": "socket.io"}
    return {**found, **(metadata or {})}


async def send(sid, state, data):
    async with state.send_lock:
        if state.agent is not None:
            conv, message, created = await write(post_as_agent)(sid, state, data)
        else:
            metadata = widget_metadata(sid, data)
            if data.get("conversation_id") is None:  # a new conversation: limited (item 8)
                environ = sio.get_environ(sid) or {}
                await sync_to_async(ratelimits.check_new_widget_conversation)(
                    state.business.pk, ratelimits.client_ip(environ)
                )
            conv, message, created = await write(post_as_customer)(sid, state, data, metadata)
            if state.customer_id != conv.customer_id:
                # Now this customer's: it hears of conversations the team starts with them.
                await sio.enter_room(sid, rooms.customer(conv.customer_id))
            state.customer_id = conv.customer_id
    was_joined = conv.pk in state.joined
    await enter_conversation(sid, state, conv.pk)
    rendered = payloads.message_from_model(message)
    # The broadcast skipped this socket (see sio_fanout.origin): it gets its own copy here,
    # after joining, so it is never missed and never arrives twice from one send.
    await to_own_socket("new_message", rendered, sid)
    if not was_joined:
        # Between the commit and the join above another process (a Celery worker's AI
        # answer or hand-off, an agent) may already have written: replay what follows.
        for later in await messages_after(conv, message.pk):
            await to_own_socket("new_message", later, sid)
    result = {"message": rendered, "conversation_id": conv.pk, "created": created}
    if state.agent is None:
        result["session_token"] = session_tokens.issue(state.business.pk, conv.customer_id)
    return result
