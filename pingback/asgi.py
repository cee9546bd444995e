"""One ASGI application for everything.

``/socket.io/`` goes to python-socketio (the widget), other HTTP to Django, other WebSockets
to Channels consumers (the topics API at /api/ and the event stream at /ws).
Run it with ``daphne pingback.asgi:application``.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingback.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

import socketio  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from realtime.routing import websocket_urlpatterns  # noqa: E402
from realtime.sio import sio  # noqa: E402

channels_app = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": URLRouter(websocket_urlpatterns),
    }
)

application = socketio.ASGIApp(sio, other_asgi_app=channels_app, socketio_path="socket.io")
