"""Fetching a business's channels with the check that they are its own (404 otherwise)."""

from conversations import errors
from conversations.models import Business
from conversations.validation import is_id
from customer_channels.models import Channel


class ChannelNotFound(errors.NotFound):
    code = "CHANNEL_NOT_FOUND"


def access_channel(business: Business, channel_id) -> Channel:
    if not is_id(channel_id):
        raise ChannelNotFound("Channel not found.")
    channel = Channel.objects.filter(business=business, pk=int(channel_id)).first()
    if channel is None:
        raise ChannelNotFound("Channel not found.")
    return channel


def inbound_channel(public_id: str, kind: str) -> Channel:
    """The enabled channel an inbound URL names (a provider's webhook or a mail pipe)."""
    channel = (
        Channel.objects.select_related("business")
        .filter(public_id=public_id, kind=kind, enabled=True)
        .first()
        if isinstance(public_id, str) and len(public_id) == 32
        else None
    )
    if channel is None:
        raise ChannelNotFound("Channel not found.")
    return channel
