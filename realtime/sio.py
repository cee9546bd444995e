"""The python-socketio server for the customer widget, mounted at /socket.io/.

With REDIS_URL set, rooms are shared across processes through ``AsyncRedisManager`` (our
``ReliableRedisManager``: no deaf window on a fresh process or after a Redis restart, see
realtime/sio_redis.py); the embedded default keeps them in this process. Either way a socket
gets each message once (realtime/once.py).
"""

import socketio
from django.conf import settings

from realtime import safe_json
from realtime.control import ControlEvents
from realtime.once import OncePerSocket


class LocalManager(ControlEvents, OncePerSocket):
    """The embedded default's rooms: control messages, and each message once per socket."""


def _client_manager():
    if settings.REDIS_URL:
        # Only with Redis: the embedded default never loads the Redis manager.
        from realtime.sio_redis import ReliableRedisManager

        return ReliableRedisManager(settings.REDIS_URL, channel=f"{settings.REDIS_PREFIX}-socketio")
    return LocalManager()


sio = socketio.AsyncServer(
    async_mode="asgi",
    client_manager=_client_manager(),
    cors_allowed_origins="*",
    ping_interval=25,
    ping_timeout=20,
    max_http_buffer_size=64 * 1024,
    json=safe_json,  # a payload nested too deeply gets an error ack, not silence
)
