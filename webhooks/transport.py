"""One webhook HTTP attempt, bounded in time and in bytes.

A hostile receiver must not hold a worker: ``WEBHOOKS_TIMEOUT_SECONDS`` is the deadline of
the whole attempt (connect, TLS handshake, sending, status line and headers, body), not of
each read. Every socket operation gets only the time left before that deadline, so a receiver
that answers ``200`` and then trickles one byte every few seconds is cut off on time. At most
``RESPONSE_READ_LIMIT`` bytes of the body are read; the rest is never downloaded. The request
connects to an address ``webhooks.ssrf`` checked, and never follows redirects.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from webhooks import signing, ssrf
from webhooks.models import WebhookDelivery, WebhookEndpoint

USER_AGENT = "PingBack-Webhooks/1"
RESPONSE_BODY_LIMIT = 2048  # characters of the response kept per attempt
RESPONSE_READ_LIMIT = 8192  # bytes of the response body read at most
CONNECT_FAILED = "connection failed"


@dataclass
class Outcome:
    status_code: int | None = None
    response_body: str = ""
    error: str = ""
    duration_ms: int = 0
    retry_after: float | None = None
    location: str = ""
    content: bytes = b""  # the body as read (at most the request's read limit)

    @property
    def success(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def kind(self) -> str:
        """For metrics and logs: succeeded, failed (answered, not 2xx) or error (no answer)."""
        return "succeeded" if self.success else "error" if self.status_code is None else "failed"


def signing_secrets(endpoint: WebhookEndpoint, now) -> list[str]:
    secrets_ = [endpoint.secret]
    if endpoint.previous_secret and (
        endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > now
    ):
        secrets_.append(endpoint.previous_secret)
    return secrets_


def request_headers(endpoint: WebhookEndpoint, delivery: WebhookDelivery, timestamp: int):
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Accept-Encoding": "identity",  # nothing to decompress (no decompression bombs)
        "webhook-id": delivery.webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signing.signature_header(
            signing_secrets(endpoint, timezone.now()), delivery.webhook_id, timestamp, delivery.body
        ),
    }


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


# --- a deadline on every socket operation -----------------------------------------------------


class DeadlineExceeded(TimeoutError):
    pass


class Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded("deadline passed")
        return left


class _DeadlineSocket(socket.socket):
    """A TCP socket whose every receive may only use the time left before the deadline."""

    deadline: Deadline

    def recv_into(self, buffer, nbytes=0, flags=0):
        self.settimeout(self.deadline.remaining())
        return super().recv_into(buffer, nbytes, flags)

    def recv(self, bufsize, flags=0):
        self.settimeout(self.deadline.remaining())
        return super().recv(bufsize, flags)


class _DeadlineSSLSocket(ssl.SSLSocket):
    deadline: Deadline

    def recv_into(self, buffer, nbytes=None, flags=0):
        self.settimeout(self.deadline.remaining())
        return super().recv_into(buffer, nbytes, flags)

    def recv(self, buflen=1024, flags=0):
        self.settimeout(self.deadline.remaining())
        return super().recv(buflen, flags)


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()  # verifies the certificate and the host name
    context.sslsocket_class = _DeadlineSSLSocket
    return context


class _Connection(http.client.HTTPConnection):
    """http.client over a socket to a checked address; Host and TLS name stay the URL's."""

    def __init__(self, target: ssrf.Target, address: str, deadline: Deadline):
        super().__init__(address, target.port)
        self.target, self.address, self.deadline = target, address, deadline

    def connect(self):
        family = socket.AF_INET6 if ":" in self.address else socket.AF_INET
        raw = (socket.socket if self.target.scheme == "https" else _DeadlineSocket)(
            family, socket.SOCK_STREAM
        )
        try:
            raw.settimeout(self.deadline.remaining())
            raw.connect((self.address, self.target.port))
        except BaseException:
            raw.close()
            raise
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.target.scheme != "https":
            raw.deadline = self.deadline
            self.sock = raw
        else:
            try:
                sock = _tls_context().wrap_socket(
                    raw, server_hostname=self.target.host, do_handshake_on_connect=False
                )
            except BaseException:
                raw.close()
                raise
            sock.deadline = self.deadline
            self.sock = sock
            # The handshake's timeout bounds the whole handshake (not each read).
            sock.settimeout(self.deadline.remaining())
            sock.do_handshake()
        # sendall's timeout bounds the whole send as well.
        self.sock.settimeout(self.deadline.remaining())


class _ConnectFailed(Exception):
    pass


def _request(
    method: str,
    target: ssrf.Target,
    address: str,
    headers: dict,
    body: bytes | None,
    deadline,
    read_limit: int,
) -> Outcome:
    outcome = Outcome()
    conn = _Connection(target, address, deadline)
    try:
        try:
            conn.connect()
        except (TimeoutError, ssl.SSLError):
            raise
        except OSError as exc:
            raise _ConnectFailed(str(exc)) from exc
        conn.request(method, target.path, body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read(read_limit)
        outcome.content = raw
        outcome.status_code = response.status
        outcome.response_body = raw.decode("utf-8", "replace")[:RESPONSE_BODY_LIMIT]
        outcome.retry_after = parse_retry_after(response.headers.get("Retry-After"))
        outcome.location = (response.headers.get("Location") or "")[:300]
    except _ConnectFailed as exc:
        outcome.error = f"{CONNECT_FAILED} to {address}: {exc}"[:500]
    except TimeoutError:
        outcome.error = (
            f"timed out: no complete answer within {deadline.seconds:g}s "
            "(the deadline of a whole attempt)"
        )
    except (http.client.HTTPException, OSError, ValueError) as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"[:500]
    finally:
        conn.close()
    return outcome


def request(
    method: str,
    url: str,
    *,
    headers: dict,
    body: bytes | None = None,
    timeout: float,
    allow_private: bool | None = None,
    read_limit: int = RESPONSE_READ_LIMIT,
) -> Outcome:
    """One HTTP request under a total deadline. Never raises, never follows redirects.

    Shared by webhook deliveries and the channel providers (``customer_channels.providers``).
    ``allow_private`` defaults to ``WEBHOOKS_ALLOW_PRIVATE_URLS``."""
    started = time.monotonic()
    deadline = Deadline(timeout)
    outcome = Outcome()
    try:
        target = ssrf.resolve(url, allow_private=allow_private)
    except ssrf.UnsafeURL as exc:
        outcome.error = f"refused: {exc.message}"
        return outcome
    headers = dict(headers)
    default_port = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    headers["Host"] = host if target.port == default_port else f"{host}:{target.port}"
    for address in target.addresses:
        outcome = _request(method, target, address, headers, body, deadline, read_limit)
        if not outcome.error.startswith(CONNECT_FAILED):
            break  # only an address that refuses the connection makes us try the next one
    outcome.duration_ms = int((time.monotonic() - started) * 1000)
    return outcome


def send(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> Outcome:
    """One POST of the delivery's body to the endpoint. Never raises, never follows redirects."""
    return request(
        "POST",
        endpoint.url,
        headers=request_headers(endpoint, delivery, int(time.time())),
        body=delivery.body.encode(),
        timeout=settings.WEBHOOKS_TIMEOUT_SECONDS,
    )
