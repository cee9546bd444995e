"""WebSocket routes served by Channels (everything but /socket.io/)."""

websocket_urlpatterns: list = []
