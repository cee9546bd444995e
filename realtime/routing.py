"""WebSocket routes served by Channels (everything but /socket.io/)."""

from django.urls import path

from realtime.consumers.event_stream import EventStreamConsumer
from realtime.consumers.topics import TopicsConsumer

websocket_urlpatterns: list = [
    path("api/", TopicsConsumer.as_asgi()),
    path("ws", EventStreamConsumer.as_asgi()),
]
