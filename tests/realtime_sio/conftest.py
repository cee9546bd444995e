"""A real web server per module, and Socket.IO peers that record every event they receive."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict

import pytest
import socketio
from asgiref.sync import sync_to_async
from rest_framework_simplejwt.tokens import AccessToken

from tests.live import AsgiServer

TIMEOUT = 10


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tenants create eight users per test; the server authenticates them by JWT only."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def sio_server(django_db_setup, django_db_blocker):
    """One embedded (no Redis) server for the module; tests create data with transactional_db."""
    with django_db_blocker.unblock(), AsgiServer(REDIS_URL=None) as server:
        yield server


class Peer:
    """A python-socketio AsyncClient that queues every event by name."""

    def __init__(self, url: str, transports=("websocket",)):
        self.url = url
        self.transports = list(transports)
        self.client = socketio.AsyncClient(reconnection=False)
        self.queues: dict[str, asyncio.Queue] = defaultdict(asyncio.Queue)
        self.connect_error = None
        self.client.on("*", self._record)
        self.client.on("connect_error", self._on_connect_error)

    async def _record(self, event, *args):
        self.queues[event].put_nowait(args[0] if len(args) == 1 else args)

    async def _on_connect_error(self, data):
        self.connect_error = data

    async def connect(self, auth) -> Peer:
        await self.client.connect(
            self.url, auth=auth, transports=self.transports, wait_timeout=TIMEOUT
        )
        return self

    async def refused(self, auth) -> dict:
        """Connect expecting a refusal; returns the connect_error data."""
        with pytest.raises(socketio.exceptions.ConnectionError):
            await self.client.connect(
                self.url, auth=auth, transports=self.transports, wait_timeout=TIMEOUT
            )
        return self.connect_error

    async def call(self, event, data=None):
        if data is None:
            return await self.client.call(event, timeout=TIMEOUT)
        return await self.client.call(event, data, timeout=TIMEOUT)

    async def next(self, event):
        return await asyncio.wait_for(self.queues[event].get(), TIMEOUT)

    def pending(self, event) -> list:
        queue, items = self.queues[event], []
        while not queue.empty():
            items.append(queue.get_nowait())
        return items

    @property
    def sid(self):
        return self.client.get_sid()

    async def close(self):
        if not self.client.connected:
            return
        if self.client.transport() == "polling":
            # The python client would wait for its pending long-poll GET (up to 30 s): the
            # server answers a client CLOSE without releasing it. Close and drop the poll.
            await self.client.eio.disconnect(abort=True)
            for task in (self.client.eio.read_loop_task, self.client.eio.write_loop_task):
                if task is not None and not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
            return
        await self.client.disconnect()


@pytest.fixture
async def peers(sio_server):
    """``await peers.connect(auth)`` -> a connected Peer; all disconnected at teardown."""
    made: list[Peer] = []

    class Factory:
        url = sio_server.url

        def new(self, transports=("websocket",)) -> Peer:
            peer = Peer(sio_server.url, transports)
            made.append(peer)
            return peer

        async def connect(self, auth, transports=("websocket",)) -> Peer:
            return await self.new(transports).connect(auth)

    yield Factory()
    for peer in made:
        await peer.close()


def jwt_for(agent) -> str:
    return str(AccessToken.for_user(agent.user))


def customer_data(name="Jane Smith", email="jane@example.com") -> dict:
    return {"name": name, "email": email}


orm = sync_to_async
