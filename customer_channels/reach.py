"""Where a customer can be reached: the business's channel of a conversation's kind and the
customer's address on it (an email channel reaches anyone with an email address; WhatsApp
and Telegram reach customers who wrote there before).

Agent-started conversations use it: ``can_deliver`` says whether a ``channel_type`` would
deliver, and the outbox links an unlinked conversation to the channel that reaches it.
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


def can_deliver(business: Business | int, customer: Customer, channel_type: str) -> bool:
    """Would an agent's message on ``channel_type`` reach ``customer``? (webchat: always)"""
    if channel_type == Conversation.Channel.WEBCHAT:
        return True
    return reach(business, customer, channel_type) is not None


def reachable_kinds(business: Business | int, customer: Customer) -> list[str]:
    """The channel types an agent may start a conversation with this customer on."""
    kinds = [Conversation.Channel.WEBCHAT.value]
    for kind in (
        Channel.Kind.EMAIL,
        Channel.Kind.WHATSAPP,
        Channel.Kind.TELEGRAM,
        Channel.Kind.API,
    ):
        if reach(business, customer, kind) is not None:
            kinds.append(kind.value)
    return kinds
