"""A small PingBack cluster for scale-out and fault tests: PostgreSQL, a private Redis, several
web processes and Celery workers, plus Socket.IO and topics clients that record everything.

Every wait is on a condition with a generous deadline (the CI machine has 2 shared cores):
nothing here sleeps for correctness.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections import defaultdict

import httpx
import socketio

from pingback import processes
from tests.live import AsgiServer, CeleryWorker, server_env

DEADLINE = 60.0  # seconds; conditions normally hold in well under a second


async def until(predicate, timeout: float = DEADLINE, what: str = "condition"):
    """Poll ``predicate()`` (sync) until it is truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.05)


def demo(database_url: str, password: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("PYTEST_XDIST_WORKER", None)
    return json.loads(processes.manage("demo", "--json", "--password", password, env=env))


class Cluster:
    """``n`` web processes and ``workers`` Celery workers on one PostgreSQL and one Redis."""

    PASSWORD = "scaleout-pass-1"

    def __init__(self, database_url: str, redis_url: str, servers: int = 3, workers: int = 2):
        self.database_url = database_url
        self.redis_url = redis_url
        self.prefix = f"pb-scaleout-{uuid.uuid4().hex[:8]}"
        self.env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "REDIS_PREFIX": self.prefix,
            "SOCKETIO_RATE_LIMIT_PER_SECOND": "1000",
            "SOCKETIO_RATE_LIMIT_BURST": "1000",
        }
        self.n_servers, self.n_workers = servers, workers
        self.servers: list[AsgiServer] = []
        self.workers: list[CeleryWorker] = []
        self.info: dict = {}
        self.token = ""

    def new_server(self) -> AsgiServer:
        server = AsgiServer(**self.env).start(timeout=90)
        return server

    def start(self) -> Cluster:
        self.info = demo(self.database_url, self.PASSWORD)
        try:
            for _ in range(self.n_servers):
                self.servers.append(self.new_server())
            worker_env = {**server_env(**self.env), "PYTHONUNBUFFERED": "1"}
            for i in range(self.n_workers):
                self.workers.append(CeleryWorker(f"scaleout{i}", worker_env).start())
            deadline = time.monotonic() + 90
            while not all(w.ready() for w in self.workers):
                if time.monotonic() > deadline:
                    raise RuntimeError("celery workers did not become ready")
                time.sleep(0.1)
            with httpx.Client(base_url=self.servers[0].url, timeout=30) as client:
                r = client.post(
                    "/api/v1/auth/token",
                    json={"email": self.info["owner"]["email"], "password": self.PASSWORD},
                )
                r.raise_for_status()
                self.token = r.json()["access"]
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def business_id(self) -> str:
        return self.info["business_id"]

    def agent_auth(self) -> dict:
        return {"business_id": self.business_id, "token": self.token}

    def rest_messages(self, conversation_id: int) -> list[int]:
        with httpx.Client(base_url=self.servers[0].url, timeout=30) as client:
            r = client.get(
                f"/api/v1/conversations/{conversation_id}/messages",
                params={"limit": 100},
                headers={"Authorization": f"Bearer {self.info['api_key']}"},
            )
            r.raise_for_status()
            data = r.json()
        items = next(v for v in data.values() if isinstance(v, list))
        return sorted(m["id"] for m in items)

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        for server in self.servers:
            server.stop()


class Chat:
    """A Socket.IO client (WebSocket transport only) recording every ``new_message`` by id."""

    def __init__(self, url: str, name: str = ""):
        self.url = url
        self.name = name
        self.sio = socketio.AsyncClient(reconnection=False)
        self.received: dict[int, dict[int, dict]] = defaultdict(dict)  # conv -> id -> message
        self.raw: list[int] = []  # every new_message id in arrival order (duplicates too)
        self.other: list[tuple[str, object]] = []
        self.sio.on("new_message", self._on_message)
        self.sio.on("*", self._on_other)

    async def _on_message(self, message):
        self.raw.append(message["id"])
        self.received[message["conversation_id"]][message["id"]] = message

    async def _on_other(self, event, *args):
        self.other.append((event, args[0] if args else None))

    async def connect(self, auth: dict) -> Chat:
        await self.sio.connect(self.url, auth=auth, transports=["websocket"], wait_timeout=DEADLINE)
        return self

    async def call(self, event: str, data: dict) -> dict:
        reply = await self.sio.call(event, data, timeout=DEADLINE)
        assert reply.get("ok"), (event, reply)
        return reply

    def ids(self, conversation_id: int) -> list[int]:
        return sorted(self.received[conversation_id])

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()


class TopicWatcher:
    """A topics-API connection subscribed to ``/<business>/requests``, collecting CREATE ids."""

    def __init__(self, server: AsgiServer, token: str, business_id: str):
        self.url = f"ws://127.0.0.1:{server.port}/api/?token={token}"
        self.topic = f"/{business_id}/requests"
        self.created: set[str] = set()
        self.ws = None
        self.task: asyncio.Task | None = None
        self.subscribed = asyncio.Event()

    async def open(self) -> TopicWatcher:
        from websockets.asyncio.client import connect

        self.ws = await connect(self.url, open_timeout=DEADLINE, max_queue=None)
        await self.ws.send(json.dumps({"action": "subscribe", "payload": {"topic": self.topic}}))
        self.task = asyncio.create_task(self._read())
        await asyncio.wait_for(self.subscribed.wait(), DEADLINE)
        return self

    async def _read(self):
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                if frame.get("action") == "heartbeat":
                    await self.ws.send(
                        json.dumps(
                            {"action": "heartbeat", "payload": {"message": {"text": "pong"}}}
                        )
                    )
                    continue
                payload = frame.get("payload") or {}
                if frame.get("action") != "publish" or payload.get("topic") != self.topic:
                    continue
                if not self.subscribed.is_set():
                    self.subscribed.set()  # the snapshot
                    continue
                if payload.get("method") == "CREATE":
                    # A live push carries one bare object (Tiledesk's shape), a snapshot a list.
                    message = payload["message"]
                    items = [message] if isinstance(message, dict) else message
                    self.created.update(str(item["id"]) for item in items)
        except ConnectionClosed:
            pass

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)


class StreamWatcher:
    """An integration's ``/ws`` stream that resumes like a client should: on a ``stream.gap``
    (or any close) it reconnects with the last ``eventId`` it processed. Collects
    ``message.created`` message ids, and every event id it saw (to catch duplicates)."""

    def __init__(self, server: AsgiServer, api_key: str):
        self.url = f"ws://127.0.0.1:{server.port}/ws"
        self.api_key = api_key
        self.last_event_id: int | None = None
        self.event_ids: list[int] = []
        self.messages: set[int] = set()
        self.gaps = 0
        self.task: asyncio.Task | None = None
        self.stopped = False

    async def open(self) -> StreamWatcher:
        ready = asyncio.Event()
        self.task = asyncio.create_task(self._run(ready))
        await asyncio.wait_for(ready.wait(), DEADLINE)
        return self

    async def _run(self, ready: asyncio.Event) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed

        while not self.stopped:
            try:
                async with connect(self.url, open_timeout=DEADLINE, max_queue=None) as ws:
                    auth = {"type": "auth", "apiKey": self.api_key}
                    if self.last_event_id is not None:
                        auth["lastEventId"] = self.last_event_id
                    await ws.send(json.dumps(auth))
                    async for raw in ws:
                        frame = json.loads(raw)
                        if frame["type"] == "auth.ok":
                            if self.last_event_id is None:
                                self.last_event_id = frame["lastEventId"]
                            ready.set()
                        elif frame["type"] == "stream.gap":
                            self.gaps += 1
                        elif "eventId" in frame:
                            self.event_ids.append(frame["eventId"])
                            self.last_event_id = frame["eventId"]
                            if frame["type"] == "message.created":
                                self.messages.add(int(frame["message"]["id"]))
            except (ConnectionClosed, OSError, TimeoutError):
                pass
            if not self.stopped:
                await asyncio.sleep(0.5)  # the server or Redis may still be coming back

    async def close(self) -> None:
        self.stopped = True
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
