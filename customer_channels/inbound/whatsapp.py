"""WhatsApp Cloud API webhooks in
(https://developers.facebook.com/docs/graph-api/webhooks/getting-started,
https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples).

``GET`` is the verification handshake: ``hub.mode=subscribe``, ``hub.verify_token`` (the
channel's verify token) and ``hub.challenge``, echoed back as the plain-text body.
``POST`` carries ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed with
the app secret>``, checked before the body is parsed. Its ``entry[].changes[].value`` holds
``messages`` (text, image, document, ... from a ``wa_id``; ``contacts[].profile.name``) and
``statuses`` (``sent`` / ``delivered`` / ``read`` / ``failed`` of a ``wamid`` we sent).
"""

import hashlib
import hmac
import json

from django.conf import settings
from django.http import HttpResponse
from rest_framework.response import Response

from conversations import errors
from customer_channels import actions
from customer_channels.access import inbound_channel
from customer_channels.inbound.views import BadSignature, InboundView, same
from customer_channels.models import Channel
from customer_channels.providers import whatsapp

MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")


def _signed(channel: Channel, request) -> bool:
    secret = actions.credentials_of(channel).get("app_secret", "")
    digest = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    return bool(secret) and same(request.headers.get("X-Hub-Signature-256"), f"sha256={digest}")


def _inbound(channel: Channel, message: dict, names: dict) -> actions.Inbound | None:
    kind = message.get("type")
    sender, wamid = message.get("from"), message.get("id")
    if not isinstance(sender, str) or not isinstance(wamid, str):
        raise errors.ValidationFailed("A message needs from and id.")
    text, files = "", []
    if kind == "text":
        text = (message.get("text") or {}).get("body") or ""
    elif kind in MEDIA_TYPES:
        media = message.get(kind) or {}
        text = media.get("caption") or ""
        if isinstance(media.get("id"), str):
            data = whatsapp.download(channel, media["id"], settings.ATTACHMENTS_MAX_BYTES)
            if data is not None:
                files.append((str(media.get("filename") or kind), data))
    if not isinstance(text, str) or (not text.strip() and not files):
        return None  # reactions, locations, unsupported types
    return actions.Inbound(
        address=sender, external_id=wamid, content=text, name=names.get(sender, ""), files=files
    )


def _reason(status: dict) -> str:
    """A ``failed`` status's first error: ``(#code) title: details``."""
    errors_ = status.get("errors")
    if not isinstance(errors_, list) or not errors_ or not isinstance(errors_[0], dict):
        return ""
    e = errors_[0]
    details = (e.get("error_data") or {}).get("details") or e.get("message") or ""
    return f"(#{e.get('code', '')}) {e.get('title', '')}: {details}".strip()


class WhatsAppWebhookView(InboundView):
    def get(self, request, public_id):
        channel = inbound_channel(public_id, Channel.Kind.WHATSAPP)
        params = request.query_params
        token = actions.credentials_of(channel).get("verify_token", "")
        if params.get("hub.mode") != "subscribe" or not same(params.get("hub.verify_token"), token):
            raise errors.PermissionDenied("The verify token does not match.")
        return HttpResponse(params.get("hub.challenge", ""), content_type="text/plain")

    def post(self, request, public_id):
        channel = inbound_channel(public_id, Channel.Kind.WHATSAPP)
        if not _signed(channel, request):
            raise BadSignature()
        try:
            payload = json.loads(request.body)
            values = [
                change["value"]
                for entry in payload["entry"]
                for change in entry["changes"]
                if change.get("field") == "messages"
            ]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise errors.ValidationFailed("The body is not a WhatsApp webhook payload.") from None
        stored, receipts = [], 0
        for value in values:
            if not isinstance(value, dict):
                continue
            if value.get("metadata", {}).get("phone_number_id") != channel.settings.get(
                "phone_number_id"
            ):
                continue  # another number of the same app
            names = {
                c.get("wa_id"): (c.get("profile") or {}).get("name", "")
                for c in value.get("contacts") or []
                if isinstance(c, dict)
            }
            for message in value.get("messages") or []:
                item = _inbound(channel, message, names) if isinstance(message, dict) else None
                if item is not None:
                    msg, _ = actions.do_receive_inbound(channel, item)
                    stored.append(msg.pk)
            for status in value.get("statuses") or []:
                if isinstance(status, dict) and isinstance(status.get("id"), str):
                    receipts += len(
                        actions.do_record_receipt(
                            channel, status["id"], str(status.get("status")), _reason(status)
                        )
                    )
        return Response({"messages": stored, "receipts": receipts})
