"""The JSON module the Socket.IO server decodes packets with: bounded nesting.

python-socketio decodes an EVENT packet's ``["event", payload]`` with ``json.loads``; a
payload nested about a thousand levels deep raises ``RecursionError`` there, before any
handler runs, so the client never got an ack. Here a packet nested deeper than
``MAX_DEPTH`` decodes to ``[event, TOO_DEEP]``: the event's handler answers it with an
``INVALID_PAYLOAD`` error ack like any other malformed payload.
"""

import json
import re

from pingback.json_depth import MAX_DEPTH, depth_ok

EVENT_NAME = re.compile(r'^\s*\[\s*"((?:[^"\\]|\\.){0,200})"')


class TooDeep:
    """The payload of a packet that was nested too deeply (never a real JSON value)."""

    def __repr__(self) -> str:
        return f"<payload nested deeper than {MAX_DEPTH} levels>"


TOO_DEEP = TooDeep()


def loads(raw, *args, **kwargs):
    text = raw.decode("utf-8", "replace") if isinstance(raw, (bytes, bytearray)) else raw
    if isinstance(text, str) and not depth_ok(text):
        match = EVENT_NAME.match(text)
        if match is None:
            raise ValueError("packet nested too deeply")
        return [json.loads(f'"{match.group(1)}"'), TOO_DEEP]
    try:
        return json.loads(raw, *args, **kwargs)
    except RecursionError:
        raise ValueError("packet nested too deeply") from None


dumps = json.dumps
JSONDecodeError = json.JSONDecodeError
