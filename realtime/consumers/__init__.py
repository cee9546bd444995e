"""Channels WebSocket consumers: the topics API (/api/) and the API-key event stream (/ws)."""
