"""A local Telegram Bot API (https://core.telegram.org/bots/api), exactly as published.

"Making requests": ``https://api.telegram.org/bot<token>/METHOD_NAME``; the response is a JSON
object with ``ok`` (Boolean) and ``result`` on success, or ``ok: false`` with ``error_code``
and ``description`` (and ``parameters.retry_after`` for flood control, 429). Files:
``getFile`` returns a ``File`` (``file_id``, ``file_unique_id``, ``file_size``, ``file_path``),
downloaded from ``https://api.telegram.org/file/bot<token>/<file_path>``.
"""

from __future__ import annotations

import itertools
import time

from aiohttp import web

from tests.channels.provider_server import ProviderServer

TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"


def png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


class FakeTelegram(ProviderServer):
    def __init__(self, token: str = TOKEN):
        super().__init__()
        self.token = token
        self.files = {"AgACAgQAAxkBAAIBc2": ("photos/file_0.png", png())}
        self._ids = itertools.count(500)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/bot{token}/{method}", self.method)
        app.router.add_get("/file/bot{token}/{path:.+}", self.file)

    async def method(self, request: web.Request) -> web.Response:
        item = await self._record(request)
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        if self.failures:
            status, body = self.failures.pop(0)
            return web.json_response(body, status=status)
        name = request.match_info["method"]
        params = item.json or {}
        if name == "setWebhook":
            return web.json_response({"ok": True, "result": True, "description": "Webhook was set"})
        if name == "getFile":
            file_id = params.get("file_id")
            if file_id not in self.files:
                return web.json_response(
                    {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"},
                    status=400,
                )
            path, data = self.files[file_id]
            return web.json_response(
                {
                    "ok": True,
                    "result": {
                        "file_id": file_id,
                        "file_unique_id": "AQADxxx",
                        "file_size": len(data),
                        "file_path": path,
                    },
                }
            )
        if name in ("sendMessage", "sendPhoto", "sendDocument"):
            result = {
                "message_id": next(self._ids),
                "from": {
                    "id": 123456,
                    "is_bot": True,
                    "first_name": "Acme",
                    "username": "acme_bot",
                },
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "date": int(time.time()),
            }
            if name == "sendMessage":
                result["text"] = params["text"]
            return web.json_response({"ok": True, "result": result})
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def file(self, request: web.Request) -> web.Response:
        await self._record(request)
        for path, data in self.files.values():
            if request.match_info["path"] == path and request.match_info["token"] == self.token:
                return web.Response(body=data, content_type="application/octet-stream")
        return web.Response(status=404)

    def sent(self, method: str) -> list:
        return [r.json for r in self.requests if r.path.endswith(f"/{method}")]


def update(update_id: int, chat_id: int, message_id: int, **message) -> dict:
    """An ``Update`` with a private-chat ``Message`` as Telegram sends it."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Tom", "last_name": "Reed"},
            "chat": {"id": chat_id, "first_name": "Tom", "type": "private"},
            "date": int(time.time()),
            **message,
        },
    }
