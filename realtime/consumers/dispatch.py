"""Group pushes without a database round trip per receiver.

channels' ``AsyncConsumer.dispatch`` runs ``close_old_connections`` in a worker thread before
*every* handler, group messages included: one thread hop per receiver per event, the largest
cost of a fan-out to 1,000 topic subscribers (py-spy, bench/topics_fanout.py). Handlers that
never touch the database (they check an audience kept in memory and write a frame rendered
once) skip it; every other message keeps channels' behaviour.
"""

from __future__ import annotations

from channels.consumer import get_handler_name


class DatabaseFreePushes:
    #: Message types whose handlers never use the ORM.
    database_free_messages: frozenset[str] = frozenset()

    async def dispatch(self, message):
        if message.get("type") in self.database_free_messages:
            await getattr(self, get_handler_name(message))(message)
            return
        await super().dispatch(message)
