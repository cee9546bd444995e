"""The widget protocol's handlers (seed "pingback-realtime-socketio"): joining and leaving a
conversation, sending, typing, receipts, rating. Agent sockets use them too, within what they
may see."""

from __future__ import annotations

from channels.db import database_sync_to_async

from conversations import actions, errors
from conversations.actions import Actor
from conversations.events import origin
from conversations.models import Conversation
from csat.actions import do_rate_conversation
from realtime import rooms
from realtime.sio import sio
from realtime.widget.messages import send
from realtime.widget.plumbing import (
    REPLAY_BATCH,
    enter_conversation,
    handler,
    int_field,
    messages_after,
    own_conversation,
    to_own_socket,
)
from realtime.widget.state import SocketState


async def join(sid, state, data):
    conv_id = int_field(data, "conversation_id", required=True)
    cursor = int_field(data, "last_message_id", required=False)
    conv = await database_sync_to_async(own_conversation)(state, conv_id)
    # Join first, then replay from the database: a message committed in between arrives
    # live and in the replay; clients de-duplicate by id (docs/widget-protocol.md).
    await enter_conversation(sid, state, conv.pk)
    replayed, last_id = 0, cursor
    while cursor is not None:
        batch = await messages_after(conv, last_id)
        for message in batch:
            await to_own_socket("new_message", message, sid)
            last_id = message["id"]
        replayed += len(batch)
        if len(batch) < REPLAY_BATCH:
            break
    return {"conversation_id": conv.pk, "replayed": replayed, "last_message_id": last_id}


handler("join_conversation")(join)


@handler("leave_conversation")
async def _leave(sid, state, data):
    conv_id = int_field(data, "conversation_id", required=True)
    for room in list(sio.rooms(sid)):
        if room == rooms.conversation(conv_id) or room.startswith(
            f"{rooms.conversation(conv_id)}_"
        ):
            await sio.leave_room(sid, room)
    state.joined.discard(conv_id)
    return {"conversation_id": conv_id}


handler("client_message")(send)


@handler("typing")
async def _typing(sid, state, data):
    conv_id = int_field(data, "conversation_id", required=True)
    is_typing = data.get("is_typing")
    if not isinstance(is_typing, bool):
        raise errors.ValidationFailed("is_typing must be true or false.", field="is_typing")
    conv = await database_sync_to_async(_set_typing)(sid, state, conv_id, is_typing)
    return {"conversation_id": conv.pk}


def _set_typing(sid: str, state: SocketState, conv_id: int, is_typing: bool) -> Conversation:
    conv = own_conversation(state, conv_id)
    with origin(sid):  # the typist's own socket does not hear itself
        actions.do_set_typing(conv, is_typing=is_typing, agent=state.agent)
    return conv


def _receipt(mark):
    async def on_receipt(sid, state, data):
        conv_id = int_field(data, "conversation_id", required=True)
        up_to = int_field(data, "message_id", required=False)

        def run():
            conv = own_conversation(state, conv_id)
            return mark(conv, reader=state.sender_type, up_to_id=up_to)

        receipts = await database_sync_to_async(run)()
        return {"conversation_id": conv_id, "receipts": receipts}

    return on_receipt


handler("message_delivered")(_receipt(actions.do_mark_delivered))
handler("message_read")(_receipt(actions.do_mark_read))


@handler("rate_conversation")
async def _rate(sid, state, data):
    """The customer rates their resolved conversation (score 1-5, optional comment)."""
    if state.agent is not None:
        raise errors.PermissionDenied(
            "Only the customer rates a conversation.", code="CUSTOMER_ONLY"
        )
    conv_id = int_field(data, "conversation_id", required=True)

    def run():
        conv = own_conversation(state, conv_id)
        with origin(sid):
            return do_rate_conversation(
                conv,
                score=data.get("score"),
                comment=data.get("comment", ""),
                actor=Actor.of_customer(conv.customer),
            )

    rating = await database_sync_to_async(run)()
    return {"conversation_id": conv_id, "score": rating.score}
