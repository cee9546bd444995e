"""The email channel out: one reply, one email through ``EMAIL_URL`` (``pingback.email``).

From the channel's address (with its ``from_name`` or the business's name), to the customer's
address, ``Reply-To`` carrying the conversation token, text and HTML parts, the message's
files attached, and threading headers so the customer's mail client keeps one thread:
``Message-ID`` (stable per message), ``In-Reply-To`` (the newest Message-ID of the thread) and
``References`` (the thread's Message-IDs).
"""

from __future__ import annotations

import smtplib
from email.utils import formataddr

from django.db.models import Max
from django.utils.html import escape, linebreaks

from attachments.storage import attachment_storage
from conversations.models import Conversation, Message
from customer_channels import email_threads
from customer_channels.models import Channel, OutboundMessage
from customer_channels.outbox import REPLIES
from customer_channels.providers import Sent
from pingback.email import build_email, connection
from webhooks.transport import Outcome

FOLLOWUP_NOTE = "You can answer this email to continue the conversation."


def subject(channel: Channel, message: Message) -> str:
    return subject_of(channel, message.conversation, message.conversation.channel_link)


def subject_of(channel: Channel, conv: Conversation, link) -> str:
    """The subject of the replies in ``conv``: "Re: " the customer's first subject."""
    if link.subject:
        return link.subject if link.subject.lower().startswith("re:") else f"Re: {link.subject}"
    return f"Your conversation with {channel.settings.get('from_name') or channel.business.name}"


def build(channel: Channel, messages: list[Message], to: str, conversation_id: int):
    """The email of ``messages`` (several when a widget follow-up batches replies)."""
    last = messages[-1]
    thread = email_threads.thread_ids(channel, conversation_id)
    headers = {"Message-ID": email_threads.message_id(channel, last.pk)}
    if thread:
        headers["In-Reply-To"] = thread[-1]
        headers["References"] = " ".join(thread)
    texts = [m.content for m in messages if m.content]
    if last.conversation.channel_type == Conversation.Channel.WEBCHAT:
        texts.append(FOLLOWUP_NOTE)
    sender = channel.settings.get("from_name") or channel.business.name
    email = build_email(
        to,
        subject(channel, last),
        "\n\n".join(texts) or "(files attached)",
        html="".join(f"<div>{linebreaks(escape(t))}</div>" for t in texts) or None,
        headers=headers,
        from_email=formataddr((sender, channel.settings["address"])),
        reply_to=email_threads.reply_address(channel, conversation_id),
    )
    for m in messages:
        if m.content_type != Message.ContentType.ATTACHMENT:
            continue
        for att in m.attachments.all():
            with attachment_storage().open(att.file, "rb") as f:
                email.attach(att.original_name, f.read(), att.content_type)
    return email


def deliver(email) -> Sent:
    """Hand one email to the SMTP server; a refusal (5xx) is permanent, the rest retried."""
    try:
        with connection() as conn:
            conn.send_messages([email])
    except smtplib.SMTPRecipientsRefused as exc:
        return Sent.refused(f"recipient refused: {exc.recipients}")
    except smtplib.SMTPResponseException as exc:
        return Sent(
            Outcome(status_code=exc.smtp_code),
            error=f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"[:500],
            permanent=500 <= exc.smtp_code < 600,
        )
    except (OSError, smtplib.SMTPException) as exc:
        return Sent(error=f"{type(exc).__name__}: {exc}"[:500])
    return Sent(Outcome(status_code=250), external_id=email.extra_headers["Message-ID"])


def batch(message: Message) -> list[Message]:
    """What one email carries: the message, or for a widget follow-up every reply since the
    previous follow-up email (``customer_channels.followup``)."""
    conv = message.conversation
    if conv.channel_type != Conversation.Channel.WEBCHAT:
        return [message]
    previous = (
        OutboundMessage.objects.filter(
            message__conversation_id=conv.pk, message_id__lt=message.pk
        ).aggregate(last=Max("message_id"))["last"]
        or 0
    )
    return list(
        Message.objects.filter(
            REPLIES, conversation_id=conv.pk, pk__gt=previous, pk__lte=message.pk
        ).order_by("id")
    )


def send(channel: Channel, message: Message) -> Sent:
    link = message.conversation.channel_link
    return deliver(build(channel, batch(message), link.identity.address, message.conversation_id))
