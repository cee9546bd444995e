"""The widget's ``identify`` event (``PingBack.identify()`` in widget.js): who the visitor is,
verified by the business's HMAC hash (``teamtools.actions.identity``). A verified identify makes
this socket speak for that customer and hands back its session token and newest conversation."""

from __future__ import annotations

from channels.db import database_sync_to_async

from conversations import errors
from conversations.models import Conversation
from realtime import rooms, session_tokens
from realtime.sio import sio
from realtime.widget.plumbing import handler, write
from realtime.widget.state import SocketState
from teamtools.actions.identity import do_identify_visitor


def newest_open_conversation(business_id: int, customer_id: int) -> int | None:
    return (
        Conversation.objects.filter(business_id=business_id, customer_id=customer_id)
        .exclude(status=Conversation.Status.CLOSED)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )


@handler("identify")
async def _identify(sid, state: SocketState, data):
    if state.agent is not None:
        raise errors.PermissionDenied("Agent sockets do not identify.", code="WIDGET_ONLY")
    before = state.customer_id
    done = await write(do_identify_visitor)(state.business, before, data)
    if not done.verified or done.customer is None:
        return {"verified": False}
    customer_id = done.customer.pk
    if done.switched:
        # This socket now speaks for another customer: what it joined as before is not
        # necessarily theirs (a merged visitor's conversations are, and are rejoined on demand).
        left = [r for c in state.joined for r in rooms.conversation_rooms_for_customer(c)]
        if before is not None:
            left.append(rooms.customer(before))
        for room in left:
            await sio.leave_room(sid, room)
        state.joined.clear()
        state.proved.clear()
        await sio.enter_room(sid, rooms.customer(customer_id))
        state.customer_id = customer_id
    newest = await database_sync_to_async(newest_open_conversation)(state.business.pk, customer_id)
    return {
        "verified": True,
        "session_token": session_tokens.issue(state.business.pk, customer_id),
        "conversation_id": newest,
    }
