"""Event-pipeline subscriber: committed domain events -> topic subscribers and /ws streams.

Each event becomes a few channel-layer group messages, rendered once (the JSON text is the
same for every receiver); each consumer then checks its own receiver against the event's
audience before sending (``realtime.consumers``).

Delivery runs where the pipeline calls us: in the thread that committed the action (a
``sync_to_async`` worker under daphne, a request thread, a task thread, a test). When this
process serves consumers, the group sends are queued onto the server's event loop and sent
in order by one task there, so the action never waits for the fan-out and the in-memory
layer is only touched from its own loop. Otherwise (a management command, a worker, a test
process publishing into Redis) we block on ``async_to_sync``, which is safe because no loop
runs in this thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from conversations.events import DomainEvent, EventType
from conversations.snapshots import iso
from realtime import pocketping, topics

logger = logging.getLogger(__name__)

GROUP_PUBLISH = "topic.publish"
GROUP_STREAM = "stream.event"


def stream_group(business_public_id: str) -> str:
    return f"stream.{business_public_id}"


def _publish(topic: topics.Topic, method: str, items: list, event: DomainEvent) -> tuple:
    return (
        topic.group,
        {
            "type": GROUP_PUBLISH,
            "group": topic.group,
            "topic": topic.name,
            "business_id": event.business_id,
            "audience": event.audience.to_json(),
            "event_id": event.id,
            "unassigned_before": _was_unassigned(event),
            "text": json.dumps(topics.publish_frame(topic.name, method, items)),
        },
    )


def _was_unassigned(event: DomainEvent) -> bool:
    """An assignment of a conversation every agent could see until now.

    Plain agents who saw it unassigned get this one push, so their lists drop it.
    """
    return (
        event.type == EventType.CONVERSATION_ASSIGNED
        and event.data.get("previous_assignee") is None
    )


def user_group(user_id: int) -> str:
    """Every topics connection of one user: told when a membership of theirs changes."""
    return f"user.{user_id}"


def api_key_group(api_key_id: int) -> str:
    """Every /ws stream opened with one API key: told when the key is revoked."""
    return f"apikey.{api_key_id}"


GROUP_MEMBERSHIP = "member.changed"
GROUP_KEY_REVOKED = "key.revoked"


def group_messages(event: DomainEvent) -> list[tuple[str, dict]]:
    """The (group, message) pairs an event fans out to."""
    b = event.business_public_id
    d = event.data
    out: list[tuple[str, dict]] = []
    if event.type == EventType.AGENT_MEMBERSHIP_CHANGED:
        group = user_group(d["user_id"])
        message = {"type": GROUP_MEMBERSHIP, "group": group, "business_id": event.business_id}
        return [(group, message)]
    if event.type == EventType.API_KEY_REVOKED:
        group = api_key_group(d["api_key_id"])
        return [(group, {"type": GROUP_KEY_REVOKED, "group": group})]
    conv = d.get("conversation")
    if isinstance(conv, dict):
        item = topics.request_item(conv)
        method = topics.CREATE if event.type == EventType.CONVERSATION_CREATED else topics.UPDATE
        was_open = (
            event.type == EventType.CONVERSATION_STATUS_CHANGED
            and d.get("previous_status") in topics.OPEN_STATUSES
        )
        # /requests lists open conversations; one leaving that state is pushed once more
        # (its new status tells the dashboard to drop it).
        if conv["status"] in topics.OPEN_STATUSES or was_open:
            out.append(_publish(topics.requests_topic(b), method, [item], event))
        out.append(_publish(topics.request_topic(b, conv["id"]), method, [item], event))
    if event.type == EventType.MESSAGE_CREATED:
        msg = d["message"]
        item = topics.message_item(msg, b, topics.message_sender_name(msg, conv))
        topic = topics.messages_topic(b, msg["conversation_id"])
        out.append(_publish(topic, topics.CREATE, [item], event))
    elif event.type in (EventType.MESSAGES_DELIVERED, EventType.MESSAGES_READ):
        field = "delivered_at" if event.type == EventType.MESSAGES_DELIVERED else "read_at"
        cid = d["conversation_id"]
        items = [
            {
                "_id": str(r["message_id"]),
                "id": str(r["message_id"]),
                "request_id": str(cid),
                field: r[field],
            }
            for r in d["receipts"]
        ]
        out.append(_publish(topics.messages_topic(b, cid), topics.UPDATE, items, event))
    elif event.type == EventType.AGENT_STATUS_CHANGED:
        agent = d["agent"]
        item = topics.project_user_item(agent, b, iso(event.occurred_at))
        out.append(
            _publish(topics.project_user_topic(b, agent["id"]), topics.UPDATE, [item], event)
        )
    frames = pocketping.frames(event)
    if frames:
        stamp = iso(event.occurred_at)
        texts = [json.dumps({**f, "eventId": event.id, "timestamp": stamp}) for f in frames]
        out.append(
            (
                stream_group(b),
                {
                    "type": GROUP_STREAM,
                    "group": stream_group(b),
                    "business_id": event.business_id,
                    "texts": texts,
                },
            )
        )
    return out


# --- delivery ---------------------------------------------------------------------------------


class _LoopSender:
    """Sends queued group messages, in order, from one task on the server's event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.queue: asyncio.Queue = asyncio.Queue()
        self.task = loop.create_task(self._run())

    async def _run(self) -> None:
        layer = get_channel_layer()
        while True:
            batch = await self.queue.get()
            await _send_all(layer, batch)

    def submit(self, batch) -> bool:
        if self.loop.is_closed() or not self.loop.is_running() or self.task.done():
            return False
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, batch)
        except RuntimeError:  # the loop closed meanwhile
            return False
        return True


_sender: _LoopSender | None = None
_sender_lock = threading.Lock()


def bind_to_running_loop() -> None:
    """Called by consumers on connect: deliver through the loop that serves them."""
    global _sender
    loop = asyncio.get_running_loop()
    with _sender_lock:
        if _sender is None or _sender.loop is not loop or _sender.task.done():
            _sender = _LoopSender(loop)


async def _send_all(layer, batch) -> None:
    for group, message in batch:
        try:
            await layer.group_send(group, message)
        except Exception:
            logger.exception("topic fan-out to %s failed", group)


def deliver(batch: list[tuple[str, dict]]) -> None:
    if not batch:
        return
    sender = _sender
    if sender is not None and sender.submit(batch):
        return
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(_send_all)(layer, batch)


def on_event(event: DomainEvent) -> None:
    """The pipeline subscriber (registered in ``RealtimeConfig.ready``)."""
    deliver(group_messages(event))
