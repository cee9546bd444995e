"""Fixtures for the topics API and /ws stream tests.

In-process tests drive the real ASGI app through Channels' WebsocketCommunicator (the
in-memory layer is shared with actions run in the test); real-server tests use the web server
(tests/live.py).
"""

import pytest
from channels.layers import channel_layers

from tests.conftest import clear_cache


@pytest.fixture(autouse=True)
def quiet_topics(settings):
    """No server heartbeat or idle close unless a test asks for one; a fresh layer and cache."""
    # These tests never log in with a password: hash fixtures' passwords cheaply.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TOPICS_HEARTBEAT_INTERVAL = 0
    settings.TOPICS_IDLE_TIMEOUT = 0
    channel_layers.backends.clear()
    clear_cache()
    yield
    channel_layers.backends.clear()
