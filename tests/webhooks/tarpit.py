"""A hostile webhook receiver on 127.0.0.1: answers ``200`` headers at once, then trickles.

Each connection: read the request, send ``HTTP/1.1 200 OK`` with a large Content-Length, then
one byte every ``interval`` seconds until the client hangs up (or ``flood``: as fast as the
socket takes it). Records when each request arrived and when its connection ended.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass


@dataclass
class Hold:
    opened: float
    closed: float | None = None
    bytes_sent: int = 0

    @property
    def seconds(self) -> float:
        return (self.closed or time.monotonic()) - self.opened


class Tarpit:
    def __init__(self, interval: float = 0.5, flood: bool = False):
        self.interval = interval
        self.flood = flood
        self.holds: list[Hold] = []
        self._stop = threading.Event()
        self._cond = threading.Condition()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/tarpit"

    def start(self) -> Tarpit:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(5)
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        hold = Hold(opened=time.monotonic())
        with self._cond:
            self.holds.append(hold)
            self._cond.notify_all()
        try:
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(body) < length:
                body += conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n")
            chunk = b"x" * 65536 if self.flood else b"x"
            while not self._stop.is_set():
                conn.sendall(chunk)
                hold.bytes_sent += len(chunk)
                if not self.flood:
                    self._stop.wait(self.interval)
        except OSError:
            pass  # the client hung up
        finally:
            hold.closed = time.monotonic()
            conn.close()
            with self._cond:
                self._cond.notify_all()

    def wait_for(self, predicate, timeout: float = 30.0) -> list[Hold]:
        with self._cond:
            ok = self._cond.wait_for(lambda: predicate(self.holds), timeout)
            assert ok, f"tarpit timed out with {len(self.holds)} connections"
            return list(self.holds)
