"""One ASGI application for everything.

``/socket.io/`` goes to python-socketio (the widget), other HTTP to Django, other WebSockets
to Channels consumers (the topics API at /api/ and the event stream at /ws).
Run it with ``python -m pingback.server`` (uvicorn with PingBack's options).
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingback.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

import asyncio  # noqa: E402

import socketio  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from attachments.server_limits import UploadLimit  # noqa: E402
from pingback import gc_pauses  # noqa: E402
from pingback.bridge import bridge  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402
from realtime.sio import sio  # noqa: E402

channels_app = ProtocolTypeRouter(
    {
        "http": UploadLimit(django_asgi_app),
        "websocket": URLRouter(websocket_urlpatterns),
    }
)

routes = socketio.ASGIApp(sio, other_asgi_app=channels_app, socketio_path="socket.io")

# Short collector pauses (pingback.gc_pauses): the start-up heap leaves the collector's
# generations now, long-lived connections every 10 s from the server's first call.
gc_pauses.freeze_start_up()


async def lifespan(receive, send) -> None:
    """The server's start-up and shutdown (ASGI lifespan): nothing to prepare beyond what
    ``application`` binds on every call, nothing to release that the process exit does not."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def end_long_polls() -> None:
    """Answer every pending Socket.IO long poll now, with Engine.IO's close packet: a stopping
    server (``pingback.server``) would otherwise wait for each until its graceful period ran
    out (a poll is held up to the ping interval, 25 s). The clients reconnect at once, to
    another process behind the proxy. WebSocket clients are closed by the server itself."""
    polling = [s for s in list(sio.eio.sockets.values()) if not s.upgraded]
    if polling:
        await asyncio.gather(*(s.close(wait=False) for s in polling), return_exceptions=True)


async def application(scope, receive, send):
    # Committed events reach sockets through this server's loop (pingback.bridge): bound when
    # the server starts serving (its first call: the lifespan start-up under uvicorn), a no-op
    # check afterwards.
    bridge.bind(asyncio.get_running_loop())
    gc_pauses.freezer.start()
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
    else:
        await routes(scope, receive, send)
