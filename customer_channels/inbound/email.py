"""Email in: one raw RFC 822 message becomes one inbound message (shared by the raw-MIME
endpoint and IMAP polling).

The sender's address is the customer's identity; the ``Message-ID`` is the idempotency key;
the conversation is found by ``email_threads.match``. Only the new text is kept: quoted
history and signatures are stripped by ``mail-parser-reply``; an HTML-only email is reduced
to text by ``nh3`` (no markup reaches a staff page). Attachments become attachments.
Automatic mail (``Auto-Submitted``, bounces, our own address) is ignored, so two
autoresponders never talk to each other through PingBack.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import html
from email.utils import getaddresses, parseaddr

import nh3
from mailparser_reply import EmailReplyParser

from conversations import errors
from customer_channels import actions, email_threads
from customer_channels.models import Channel

MAX_TEXT = 20000
LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "sv"]


def _text(msg) -> str:
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, ValueError):
        content = body.get_payload(decode=True).decode("utf-8", "replace")
    if body.get_content_type() == "text/html":
        content = html.unescape(nh3.clean(content, tags=set()))
    return content.replace("\r\n", "\n")


def new_text(text: str) -> str:
    """The reply without the quoted history and the signature."""
    try:
        replies = EmailReplyParser(languages=LANGUAGES).read(text[:MAX_TEXT]).replies
    except Exception:  # a parser bug must not lose the customer's message
        replies = []
    stripped = replies[0].body.strip() if replies else ""
    return stripped or text.strip()


def _files(msg) -> list[tuple[str, bytes]]:
    files = []
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True)
        if data:
            files.append((part.get_filename() or "attachment", data))
    return files


def is_automatic(msg, channel: Channel, sender: str) -> bool:
    auto = str(msg.get("Auto-Submitted", "no")).strip().lower()
    return (
        auto not in ("", "no")
        or sender == channel.settings["address"]
        or str(msg.get("Content-Type", "")).lower().startswith("multipart/report")
    )


def parse(channel: Channel, raw: bytes) -> actions.Inbound | None:
    """The inbound message of a raw email, or None for automatic mail."""
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        name, sender = parseaddr(str(msg.get("From", "")))
    except (ValueError, TypeError, IndexError):
        raise errors.ValidationFailed("The body is not an RFC 822 message.") from None
    sender = sender.strip().lower()
    if "@" not in sender:
        raise errors.ValidationFailed("The email has no From address.", field="From")
    if is_automatic(msg, channel, sender):
        return None
    message_id = str(msg.get("Message-ID", "")).strip()
    if not email_threads.MESSAGE_ID.fullmatch(message_id):
        message_id = "<sha256." + hashlib.sha256(raw).hexdigest() + "@pingback>"
    header_ids = email_threads.MESSAGE_ID.findall(
        f"{msg.get('In-Reply-To', '')} {msg.get('References', '')}"
    )
    recipients = [
        addr
        for _, addr in getaddresses(
            [str(msg.get(h, "")) for h in ("To", "Cc", "Delivered-To", "X-Original-To")]
        )
    ]
    text = new_text(_text(msg))[:MAX_TEXT]
    return actions.Inbound(
        address=sender,
        external_id=message_id,
        content=text,
        name=name,
        email=sender,
        files=_files(msg),
        conversation_id=email_threads.match(channel, header_ids, recipients),
        subject=str(msg.get("Subject", ""))[:300],
    )


def receive(channel: Channel, raw: bytes):
    """``(message, created)``, or ``(None, False)`` for ignored automatic mail."""
    item = parse(channel, raw)
    if item is None:
        return None, False
    return actions.do_receive_inbound(channel, item)
