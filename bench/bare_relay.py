"""The "limit" reference for the round-trip benchmark: a bare python-socketio relay.

Same ASGI server (pingback.server: uvicorn), same events as PingBack's widget protocol, but
no Django, no authentication and no persistence: ``join_conversation`` enters a room,
``client_message`` is acknowledged and relayed to the room as ``new_message``. Run:

    .venv/bin/python -m pingback.server --port 8100 bench.bare_relay:app
"""

import itertools
import time

import socketio

sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*")
app = socketio.ASGIApp(sio, socketio_path="socket.io")
_ids = itertools.count(1)


@sio.event
async def connect(sid, environ, auth):
    return True


@sio.event
async def join_conversation(sid, data):
    room = f"conversation_{data['conversation_id']}"
    await sio.enter_room(sid, room)
    return {"ok": True}


@sio.event
async def client_message(sid, data):
    conversation_id = data.get("conversation_id") or next(_ids)
    message = {
        "id": next(_ids),
        "content": data["content"],
        "sender_type": "customer",
        "conversation_id": conversation_id,
        "created_at": time.time(),
        "client_id": data.get("client_id"),
    }
    await sio.emit("new_message", message, room=f"conversation_{conversation_id}", skip_sid=sid)
    return {"ok": True, "message": message, "conversation_id": conversation_id}
