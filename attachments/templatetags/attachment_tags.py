from django import template

from conversations.snapshots import attachment_snapshots

register = template.Library()


@register.simple_tag
def message_files(message) -> list:
    """The files of an attachment message, with URLs signed for the inbox (``view`` scope)."""
    return attachment_snapshots(message)
