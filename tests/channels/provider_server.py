"""A local aiohttp server standing in for a provider's HTTP API, run on its own thread.

Subclasses route requests the way the provider documents them; every request is recorded
(method, path, headers, body) and waited for without sleeping.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass

from aiohttp import web


@dataclass
class Request:
    method: str
    path: str
    headers: dict
    body: bytes
    json: dict | None


class ProviderServer:
    def __init__(self):
        self.requests: list[Request] = []
        self.failures: list[tuple[int, dict]] = []  # queued error answers (status, json)
        self._cond = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def _record(self, request: web.Request) -> Request:
        body = await request.read()
        parsed = None
        if request.content_type == "application/json" and body:
            parsed = await request.json()
        item = Request(request.method, request.path, dict(request.headers), body, parsed)
        with self._cond:
            self.requests.append(item)
            self._cond.notify_all()
        return item

    def start(self) -> ProviderServer:
        app = web.Application()
        self.routes(app)
        runner = web.AppRunner(app)

        async def boot():
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            return runner, site._server.sockets[0].getsockname()[1]

        self._thread.start()
        self._runner, self.port = asyncio.run_coroutine_threadsafe(boot(), self._loop).result(5)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Request]:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(f"expected {count} requests, got {len(self.requests)}")
            return list(self.requests)
