"""Each socket receives a given message at most once.

A socket that joins a conversation and then replays it from the database (resume, or the
first message of a new conversation) can meet a message twice: once in the replay and once
live, when it was committed between the join and the replay's query. The Socket.IO manager
remembers the last message ids it sent to each local socket and skips repeats of
``new_message``, so clients (the seed's example included) need not de-duplicate.
"""

from collections import OrderedDict

import socketio

REMEMBERED_PER_SOCKET = 512


class OncePerSocket(socketio.AsyncManager):
    """Mixed in below pub/sub managers too: their local delivery ends in this ``emit``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sent: dict[str, OrderedDict] = {}

    def _already_sent(self, sid: str, message_id) -> bool:
        sent = self._sent.setdefault(sid, OrderedDict())
        if message_id in sent:
            return True
        sent[message_id] = None
        if len(sent) > REMEMBERED_PER_SOCKET:
            sent.popitem(last=False)
        return False

    async def emit(
        self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None, **kwargs
    ):
        message_id = data.get("id") if event == "new_message" and isinstance(data, dict) else None
        if message_id is not None:
            skip = (
                []
                if skip_sid is None
                else list(skip_sid)
                if isinstance(skip_sid, list)
                else [skip_sid]
            )
            for sid, _eio_sid in list(self.get_participants(namespace, to or room)):
                if sid not in skip and self._already_sent(sid, message_id):
                    skip.append(sid)
            skip_sid = skip
        return await super().emit(
            event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to, **kwargs
        )

    async def disconnect(self, sid, namespace, **kwargs):
        self._sent.pop(sid, None)
        return await super().disconnect(sid, namespace, **kwargs)
