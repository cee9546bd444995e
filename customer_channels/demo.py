"""The demo's channels: an email channel whose replies go to ``EMAIL_URL`` (the console by
default, so ``make run`` prints them), carrying the seeded email conversations."""

from django.db import transaction

from conversations.models import Business, Conversation
from customer_channels.actions import create_channel, link_conversation
from customer_channels.models import Channel

DEMO_EMAIL_ADDRESS = "support@demo.pingback.test"


@transaction.atomic
def ensure_demo_channels(business: Business) -> Channel:
    channel = Channel.objects.filter(business=business, kind=Channel.Kind.EMAIL).first()
    if channel is None:
        channel, _ = create_channel(
            business,
            kind=Channel.Kind.EMAIL,
            name="Support email",
            settings={"address": DEMO_EMAIL_ADDRESS, "from_name": business.name},
        )
    seeded = Conversation.objects.filter(
        business=business, channel_type=Conversation.Channel.EMAIL
    ).select_related("customer")
    for conv in seeded:
        if conv.customer.email:
            link_conversation(channel, conv, conv.customer.email.lower())
    return channel
