"""Small display helpers for the inbox templates."""

from django import template

register = template.Library()

KIND_LABELS = {"ai": "AI assistant", "system": "System"}


@register.simple_tag
def sender_label(message, conversation) -> str:
    """Who wrote a message, as the agent should read it."""
    if message.kind == "visitor":
        return str(conversation.customer)
    if message.kind == "operator":
        return message.sender_agent.display_name if message.sender_agent else "Agent"
    return KIND_LABELS[message.kind]


@register.simple_tag
def receipt(message) -> str:
    """Delivered/read mark of a message: read implies delivered."""
    if message.read_at:
        return "read"
    if message.delivered_at:
        return "delivered"
    return "sent"


@register.filter
def get_item(mapping, key):
    return mapping.get(key)
