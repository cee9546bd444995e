"""Refuse an oversized upload while it arrives, before it is stored anywhere.

Django's ASGI handler reads a whole request body (into a temporary file past
``FILE_UPLOAD_MAX_MEMORY_SIZE``) before any view runs, so a view cannot stop a 1 GB upload
early. ``UploadLimit`` wraps the HTTP application (``pingback.asgi``): a multipart request whose
declared ``Content-Length`` is above ``ATTACHMENTS_MAX_REQUEST_BYTES`` is answered 413 before
any body byte is read, and one sent without a length (chunked) is answered 413 as soon as its
received bytes pass the limit. The answer says ``Connection: close``, so the server closes the
connection and reads nothing more. Other requests pass through untouched.
"""

from __future__ import annotations

import json

from django.conf import settings

BODY = {
    "error": "Payload Too Large",
    "code": "ATTACHMENT_TOO_LARGE",
}


def _refusal_body() -> bytes:
    limit = settings.ATTACHMENTS_MAX_REQUEST_BYTES
    return json.dumps(
        {**BODY, "message": f"The upload is larger than {limit} bytes.", "limit": limit}
    ).encode()


async def _refuse(send) -> None:
    body = _refusal_body()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"x-content-type-options", b"nosniff"),
                (b"access-control-allow-origin", b"*"),
                (b"connection", b"close"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _header(scope, name: bytes) -> bytes:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value
    return b""


class UploadLimit:
    """ASGI middleware: the multipart body limit, enforced while the body arrives."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not _header(scope, b"content-type").lower().startswith(
            b"multipart/"
        ):
            return await self.app(scope, receive, send)
        cap = settings.ATTACHMENTS_MAX_REQUEST_BYTES
        length = _header(scope, b"content-length")
        if length.isdigit() and int(length) > cap:
            return await _refuse(send)
        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    await _refuse(send)
                    # Django's body reader stops at a disconnect and answers nothing more.
                    return {"type": "http.disconnect"}
            return message

        return await self.app(scope, limited_receive, send)
