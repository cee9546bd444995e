"""A real HTTP receiver on 127.0.0.1 for webhook tests, plus an independent signature check."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    headers: dict = field(default_factory=dict)
    body: bytes = b"ok"
    delay: float = 0.0  # seconds before answering (timeouts)


@dataclass
class Received:
    path: str
    headers: dict  # lower-cased names
    body: bytes


class Receiver:
    """Records every POST; answers with queued replies, then with ``default``."""

    def __init__(self, default: Reply | None = None):
        self.default = default or Reply()
        self.replies: list[Reply] = []
        self.received: list[Received] = []
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._cond:
                    reply = receiver.replies.pop(0) if receiver.replies else receiver.default
                    receiver.received.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    receiver._cond.notify_all()
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, predicate, timeout: float = 30.0) -> list[Received]:
        """Block until ``predicate(received)`` holds (or fail after ``timeout``)."""
        with self._cond:
            ok = self._cond.wait_for(lambda: predicate(self.received), timeout)
            assert ok, f"receiver timed out with {len(self.received)} requests"
            return list(self.received)


def standard_webhooks_valid(secret: str, headers: dict, body: bytes) -> bool:
    """The Standard Webhooks check written from the spec, independent of webhooks.verify."""
    key = base64.b64decode(secret.split("_", 1)[1])
    to_sign = b".".join(
        [headers["webhook-id"].encode(), headers["webhook-timestamp"].encode(), body]
    )
    expected = base64.b64encode(hmac.new(key, to_sign, hashlib.sha256).digest()).decode()
    return any(
        sig.split(",", 1) == ["v1", expected] for sig in headers["webhook-signature"].split(" ")
    )
