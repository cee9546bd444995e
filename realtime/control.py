"""Server-side control messages that travel like Socket.IO emits but reach no client.

An emit whose event name is registered here (``pingback:…``) is intercepted by the manager
of every process (through Redis when there are several) and runs the registered handler for
each local socket in the target rooms, e.g. "this agent's membership changed: re-check the
agent's sockets". It lets a change committed anywhere act on sockets held by any process.
"""

from collections.abc import Awaitable, Callable

import socketio

Handler = Callable[[str, dict], Awaitable[None]]
HANDLERS: dict[str, Handler] = {}


def register(event: str, handler: Handler) -> None:
    HANDLERS[event] = handler


class ControlEvents(socketio.AsyncManager):
    async def emit(
        self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None, **kwargs
    ):
        handler = HANDLERS.get(event)
        if handler is None:
            return await super().emit(
                event,
                data,
                namespace,
                room=room,
                skip_sid=skip_sid,
                callback=callback,
                to=to,
                **kwargs,
            )
        targets = to or room
        for room_name in targets if isinstance(targets, list) else [targets]:
            for sid, _eio_sid in list(self.get_participants(namespace or "/", room_name)):
                await handler(sid, data)
        return None
