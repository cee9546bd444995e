"""What the inbox's reply box should say about a conversation's channel: where a reply goes
(an email address and its subject, a WhatsApp number, a Telegram chat) and its limits (the
WhatsApp 24-hour window)."""

from __future__ import annotations

from django.utils import timezone

from conversations.models import Conversation
from customer_channels.models import Channel, ChannelConversation
from customer_channels.providers.email import subject_of
from customer_channels.providers.whatsapp import window_closes_at


def reply_note(conv: Conversation) -> dict | None:
    """``{"kind", "to", "subject"?, "window_closes_at"?, "window_open"?}`` or None (widget).

    A widget conversation answers on the widget (an email follow-up only reaches a visitor who
    left): no note, and no query."""
    if conv.channel_type == Conversation.Channel.WEBCHAT:
        return None
    link = (
        ChannelConversation.objects.filter(conversation_id=conv.pk)
        .select_related("channel", "identity")
        .first()
    )
    if link is None:
        return None
    note: dict = {
        "kind": link.channel.kind,
        "channel": link.channel.name,
        "to": link.identity.address,
    }
    if link.channel.kind == Channel.Kind.EMAIL:
        note["subject"] = subject_of(link.channel, conv, link)
    elif link.channel.kind == Channel.Kind.WHATSAPP:
        closes = window_closes_at(conv)
        note["window_closes_at"] = closes
        note["window_open"] = closes is not None and closes > timezone.now()
    return note
