"""The Channels delivery of committed events (a ``loop`` subscriber of the pipeline): topic
subscribers (``realtime.projections.topics``) and ``/ws`` streams
(``realtime.projections.stream``).

Each event becomes a few channel-layer group messages, rendered once (the JSON text is the same
for every receiver); each consumer then checks its own receiver against the event's audience
before sending (``realtime.consumers``). It runs on the bridge's loop (``pingback.bridge``):
the committing thread never waits for it, and the in-memory layer is only touched from the
loop that serves its consumers.
"""

from __future__ import annotations

import json
import logging

from channels.layers import get_channel_layer

from conversations.events import DomainEvent
from realtime import topics
from realtime.projections import stream
from realtime.projections.stream import (  # noqa: F401 - re-exported for the consumers
    GROUP_KEY_REVOKED,
    STREAM,
    api_key_group,
    stream_group,
)
from realtime.projections.topics import (  # noqa: F401 - re-exported for the consumers
    GROUP_MEMBERSHIP,
    TOPICS,
    Control,
    Publish,
    user_group,
)

logger = logging.getLogger(__name__)

GROUP_PUBLISH = "topic.publish"
GROUP_STREAM = "stream.event"


def _publish_message(push: Publish, event: DomainEvent) -> tuple[str, dict]:
    group = push.topic.group
    return (
        group,
        {
            "type": GROUP_PUBLISH,
            "group": group,
            "topic": push.topic.name,
            "business_id": event.business_id,
            "audience": event.audience.to_json(),
            "event_id": event.id,
            # A live push carries one object (a subscribe snapshot, an array).
            "text": json.dumps(topics.publish_frame(push.topic.name, push.method, push.item)),
        },
    )


def _control(control: Control, event: DomainEvent) -> tuple[str, dict]:
    return control.group, {**control.message, "group": control.group}


def group_messages(event: DomainEvent) -> list[tuple[str, dict]]:
    """The (group, message) pairs an event fans out to."""
    out = []
    for item in TOPICS.render(event):
        out.append(
            _publish_message(item, event) if isinstance(item, Publish) else _control(item, event)
        )
    out += [_control(item, event) for item in STREAM.render(event) if isinstance(item, Control)]
    texts = stream.texts(event)
    if texts:
        group = stream_group(event.business_public_id)
        out.append(
            (
                group,
                {
                    "type": GROUP_STREAM,
                    "group": group,
                    "business_id": event.business_id,
                    "event_id": event.id,
                    "texts": texts,
                },
            )
        )
    return out


async def deliver(event: DomainEvent) -> None:
    """The pipeline subscriber (registered in ``RealtimeConfig.ready``)."""
    batch = group_messages(event)
    if not batch:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    for group, message in batch:
        try:
            await layer.group_send(group, message)
        except Exception:
            logger.exception("topic fan-out to %s failed", group)
