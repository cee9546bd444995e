"""Where a customer can be reached: the business's channel of a conversation's kind and the
customer's address on it (an email channel reaches anyone with an email address; WhatsApp
and Telegram reach customers who wrote there before).

Agent-started conversations use it (``teamtools.actions.outreach.delivery_route`` links the
new conversation to the channel found, or refuses with ``CHANNEL_CANNOT_DELIVER``).
"""

from __future__ import annotations

from conversations.models import Business, Conversation, Customer
from customer_channels.models import Channel, ChannelIdentity


def reach(business: Business | int, customer: Customer, channel_type: str):
    """``(channel, address)`` reaching ``customer`` for ``channel_type``, or None."""
    business_id = business if isinstance(business, int) else business.pk
    if channel_type == Conversation.Channel.WEBCHAT:
        return None
    channels = Channel.objects.filter(business_id=business_id, kind=channel_type, enabled=True)
    known = (
        ChannelIdentity.objects.filter(channel__in=channels, customer=customer)
        .select_related("channel")
        .order_by("-id")
        .first()
    )
    if known is not None:
        return known.channel, known.address
    if channel_type == Channel.Kind.EMAIL and customer.email:
        channel = channels.order_by("id").first()
        if channel is not None:
            return channel, customer.email.lower()
    return None
