"""A local WhatsApp Cloud API (Graph API) following the published formats:

- send: https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages
  ``POST /{phone-number-id}/messages`` -> ``{"messaging_product": "whatsapp", "contacts":
  [{"input", "wa_id"}], "messages": [{"id": "wamid..."}]}``;
- media: https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media
  ``GET /{media-id}`` -> ``{"messaging_product", "url", "mime_type", "sha256", "file_size",
  "id"}``, then ``GET url`` with the same bearer token -> the bytes;
- errors: https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
  ``{"error": {"message", "type", "code", "error_data": {"messaging_product", "details"},
  "fbtrace_id"}}``.
Webhook payloads: https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time

from aiohttp import web

from tests.channels.provider_server import ProviderServer

PHONE_NUMBER_ID = "106540352242922"
ACCESS_TOKEN = "EAAJB-test-token"
APP_SECRET = "app-secret-123"
VERIFY_TOKEN = "meatyhamhock"


class FakeWhatsApp(ProviderServer):
    def __init__(self):
        super().__init__()
        self.media: dict[str, tuple[str, bytes]] = {}
        self._ids = itertools.count(1)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/{phone}/messages", self.messages)
        app.router.add_get("/download/{media_id}", self.download)
        app.router.add_get("/{media_id}", self.media_url)

    def _authorized(self, request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {ACCESS_TOKEN}"

    def _error(self, status: int, code: int, message: str, details: str) -> web.Response:
        return web.json_response(
            {
                "error": {
                    "message": message,
                    "type": "OAuthException",
                    "code": code,
                    "error_data": {"messaging_product": "whatsapp", "details": details},
                    "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
                }
            },
            status=status,
        )

    async def messages(self, request: web.Request) -> web.Response:
        item = await self._record(request)
        if not self._authorized(request):
            return self._error(401, 190, "Invalid OAuth access token.", "Invalid token")
        if request.match_info["phone"] != PHONE_NUMBER_ID:
            return self._error(400, 100, "Invalid parameter", "Unknown phone number id")
        if self.failures:
            status, body = self.failures.pop(0)
            return web.json_response(body, status=status)
        to = (item.json or {}).get("to")
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": f"wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI{next(self._ids)}"}],
            }
        )

    async def media_url(self, request: web.Request) -> web.Response:
        await self._record(request)
        media_id = request.match_info["media_id"]
        if not self._authorized(request) or media_id not in self.media:
            return self._error(400, 100, "Invalid parameter", "Unknown media")
        mime, data = self.media[media_id]
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "url": f"{self.url}/download/{media_id}",
                "mime_type": mime,
                "sha256": hashlib.sha256(data).hexdigest(),
                "file_size": str(len(data)),
                "id": media_id,
            }
        )

    async def download(self, request: web.Request) -> web.Response:
        await self._record(request)
        if not self._authorized(request):
            return web.Response(status=401)
        mime, data = self.media[request.match_info["media_id"]]
        return web.Response(body=data, content_type=mime)

    def sent(self) -> list[dict]:
        return [r.json for r in self.requests if r.path.endswith("/messages")]


def payload(*, messages=(), statuses=(), contacts=(), phone_number_id=PHONE_NUMBER_ID) -> dict:
    value: dict = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id},
    }
    if contacts:
        value["contacts"] = list(contacts)
    if messages:
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


def text_message(wamid: str, body: str, sender: str = "16505551234") -> dict:
    return {
        "from": sender,
        "id": wamid,
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": body},
    }


def contact(name: str = "Sheena Nelson", wa_id: str = "16505551234") -> dict:
    return {"profile": {"name": name}, "wa_id": wa_id}


def status(wamid: str, state: str, recipient: str = "16505551234") -> dict:
    return {
        "id": wamid,
        "status": state,
        "timestamp": str(int(time.time())),
        "recipient_id": recipient,
    }


def signed(body: dict, secret: str = APP_SECRET) -> tuple[bytes, str]:
    raw = json.dumps(body).encode()
    return raw, "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
