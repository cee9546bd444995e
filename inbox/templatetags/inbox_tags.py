"""Small display helpers for the inbox templates."""

from datetime import datetime

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.html import urlize
from django.utils.safestring import mark_safe

register = template.Library()

KIND_LABELS = {"ai": "AI assistant", "system": "System"}


@register.simple_tag
def sender_label(message, conversation) -> str:
    """Who wrote a message, as the agent should read it."""
    if message.kind == "visitor":
        return str(conversation.customer)
    if message.kind == "operator":
        if message.sender_agent_id is None and message.sender_api_key_id is not None:
            return message.sender_api_key.name  # an integration that wrote as itself
        return message.sender_agent.display_name if message.sender_agent else "Agent"
    return KIND_LABELS[message.kind]


# How a reply on a channel conversation travels ("sent by email"); static/inbox/inbox.js too.
CHANNEL_WORDS = {
    "email": "by email",
    "whatsapp": "on WhatsApp",
    "telegram": "on Telegram",
    "api": "to your API",
}


def _outbound(message):
    """The reply's channel send (customer_channels.OutboundMessage), or None."""
    try:
        return message.outbound
    except ObjectDoesNotExist:
        return None


@register.simple_tag
def receipt(message) -> str:
    """Delivered/read mark of a message: read implies delivered. A reply on a channel shows
    its send until a receipt comes: ``sending``/``sent_channel``/``failed``."""
    if message.read_at:
        return "read"
    if message.delivered_at:
        return "delivered"
    outbound = _outbound(message)
    if outbound is None:
        return "sent"
    if outbound.status == "sent":
        return "sent_channel"
    return "failed" if outbound.status == "failed" else "sending"


@register.simple_tag
def receipt_text(message) -> str:
    """The words of ``receipt``: "sent by email", "sending on Telegram…"."""
    state = receipt(message)
    if state not in ("sent_channel", "sending"):
        return state
    words = CHANNEL_WORDS.get(_outbound(message).channel.kind, "")
    return f"sent {words}" if state == "sent_channel" else f"sending {words}…"


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.filter
def initials(name) -> str:
    """ "Olivia Owner" -> "OO", "vera@example.com" -> "V": the avatar's letters."""
    words = str(name or "?").replace("@", " ").split()
    if not words:
        return "?"
    letters = words[0][0] + (words[1][0] if len(words) > 1 and "." not in words[1] else "")
    return letters.upper()


@register.filter
def avatar_hue(value) -> int:
    """A stable colour per person (the same name always gets the same hue)."""
    return sum(ord(c) * (i + 1) for i, c in enumerate(str(value))) % 360


@register.filter
def linkify(text):
    """Message text with http(s) URLs as links: escaped first, nofollow, new tab."""
    html = urlize(str(text), autoescape=True, nofollow=True)  # escapes everything else
    html = html.replace(' rel="nofollow"', "")
    html = html.replace("<a ", '<a target="_blank" rel="noopener noreferrer nofollow" ')
    return mark_safe(html)  # noqa: S308 - urlize escaped the text; only its links are markup


@register.filter
def relative(value: datetime | None, now: datetime | None = None) -> str:
    """ "just now", "4 min ago", "3 h ago", "yesterday", "Mar 4": how people say times."""
    if not value:
        return ""
    now = now or timezone.now()
    seconds = (now - value).total_seconds()
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 2 * 86400:
        return "yesterday"
    local = timezone.localtime(value)
    if local.year == timezone.localtime(now).year:
        return local.strftime("%b %-d")
    return local.strftime("%b %-d, %Y")
