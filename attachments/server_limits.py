"""Refuse an oversized upload while it arrives, before it is stored anywhere.

Daphne (Twisted) reads a whole request body into a temporary file before the ASGI app sees
the request, so neither Django nor a view can stop a 1 GB upload early there. This hooks
Daphne's request object: a multipart request whose declared ``Content-Length`` is above
``ATTACHMENTS_MAX_REQUEST_BYTES`` is answered 413 at once, and one sent without a length
(chunked) is cut off with a 413 as soon as its received bytes pass the limit; the connection
is closed and nothing more is read. Other servers get the same limit from the upload views,
which check ``Content-Length`` before parsing, and Django's upload handlers, which stream
files to temporary files (``FILE_UPLOAD_MAX_MEMORY_SIZE``) instead of memory.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings

logger = logging.getLogger(__name__)
_installed = False

BODY = {
    "error": "Payload Too Large",
    "code": "ATTACHMENT_TOO_LARGE",
}


def refusal() -> bytes:
    limit = settings.ATTACHMENTS_MAX_REQUEST_BYTES
    body = json.dumps(
        {**BODY, "message": f"The upload is larger than {limit} bytes.", "limit": limit}
    ).encode()
    head = (
        "HTTP/1.1 413 Payload Too Large\r\n"
        "Content-Type: application/json\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Access-Control-Allow-Origin: *\r\n"
        "Connection: close\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


def _is_multipart(request) -> bool:
    values = request.requestHeaders.getRawHeaders(b"content-type") or []
    return any(v.lower().startswith(b"multipart/") for v in values)


def install() -> None:
    global _installed
    if _installed:
        return
    try:
        from daphne.http_protocol import WebRequest
    except ImportError:  # another ASGI server: the views' Content-Length check applies
        return
    _installed = True
    original_length = WebRequest.gotLength
    original_chunk = WebRequest.handleContentChunk

    def refuse(self) -> None:
        self._pb_refused = True
        transport = self.channel.transport
        try:
            transport.write(refusal())
            transport.loseConnection()
        except Exception:  # the client is gone already
            logger.debug("upload refusal not sent", exc_info=True)

    def gotLength(self, length):
        self._pb_seen = 0
        self._pb_cap = settings.ATTACHMENTS_MAX_REQUEST_BYTES if _is_multipart(self) else 0
        self._pb_refused = False
        if self._pb_cap and length is not None and length > self._pb_cap:
            refuse(self)
            return None
        return original_length(self, length)

    def handleContentChunk(self, data):
        if getattr(self, "_pb_refused", False):
            return None
        cap = getattr(self, "_pb_cap", 0)
        if cap:
            self._pb_seen += len(data)
            if self._pb_seen > cap:
                refuse(self)
                return None
        return original_chunk(self, data)

    original_received = WebRequest.requestReceived

    def requestReceived(self, command, path, version):
        if getattr(self, "_pb_refused", False):
            return None
        return original_received(self, command, path, version)

    WebRequest.requestReceived = requestReceived
    WebRequest.gotLength = gotLength
    WebRequest.handleContentChunk = handleContentChunk
