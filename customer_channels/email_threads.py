"""Email threading: the Message-IDs PingBack writes, the headers of a reply, and the fallback
token in the reply address that leads a reply back to its conversation.

A reply is matched first by its ``In-Reply-To`` / ``References`` (any Message-ID PingBack sent
or received on the channel), then by the token in the address it was sent to
(``support+pb<conversation id>-<hmac>@acme.test``: mail clients keep the Reply-To address
even when they drop the headers).
"""

from __future__ import annotations

import re

from django.utils.crypto import constant_time_compare, salted_hmac

from customer_channels.models import Channel, InboundMessage, OutboundMessage

MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
TOKEN = re.compile(r"\+pb(\d{1,18})-([0-9a-f]{16})@", re.IGNORECASE)


def domain(channel: Channel) -> str:
    return channel.settings["address"].rsplit("@", 1)[1]


def message_id(channel: Channel, message_pk: int) -> str:
    """The Message-ID of a reply PingBack sends: the same on every retry (receivers dedup)."""
    return f"<pingback.{message_pk}.{channel.public_id[:12]}@{domain(channel)}>"


def _signature(channel: Channel, conversation_id: int) -> str:
    return salted_hmac(
        "pingback.email-reply", f"{channel.pk}:{conversation_id}", algorithm="sha256"
    ).hexdigest()[:16]


def reply_address(channel: Channel, conversation_id: int) -> str:
    local, host = channel.settings["address"].split("@", 1)
    return f"{local}+pb{conversation_id}-{_signature(channel, conversation_id)}@{host}"


def thread_ids(channel: Channel, conversation_id: int) -> list[str]:
    """Every Message-ID of the thread so far (received and sent), oldest first."""
    received = InboundMessage.objects.filter(
        channel=channel, message__conversation_id=conversation_id
    ).values_list("message_id", "external_id")
    sent = OutboundMessage.objects.filter(
        channel=channel, message__conversation_id=conversation_id, status="sent"
    ).values_list("message_id", "external_id")
    ids = sorted([*received, *sent])
    return [external for _, external in ids if MESSAGE_ID.fullmatch(external)][-30:]


def match(channel: Channel, header_ids: list[str], recipients: list[str]) -> int | None:
    """The conversation a reply belongs to, by its headers, then by its address token."""
    if header_ids:
        sent = (
            OutboundMessage.objects.filter(channel=channel, external_id__in=header_ids)
            .order_by("-id")
            .values_list("message__conversation_id", flat=True)
            .first()
        )
        if sent is not None:
            return sent
        received = (
            InboundMessage.objects.filter(channel=channel, external_id__in=header_ids)
            .order_by("-id")
            .values_list("message__conversation_id", flat=True)
            .first()
        )
        if received is not None:
            return received
    for address in recipients:
        found = TOKEN.search(address + "@") or TOKEN.search(address)
        if found and constant_time_compare(
            found.group(2).lower(), _signature(channel, int(found.group(1)))
        ):
            return int(found.group(1))
    return None
