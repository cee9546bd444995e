"""The demo's channels: an email channel whose replies go to ``EMAIL_URL`` (the console by
default, so ``make run`` prints them), carrying the seeded email conversations."""

from django.db import transaction

from conversations.models import Business, Conversation, Message
from customer_channels import csat_link
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
    _rating_links_in_history(business)
    return channel


def _rating_links_in_history(business: Business) -> None:
    """The seeded history's resolved channel conversations had their rating link when they
    were resolved: recorded as that message, so the beat's sweep does not email yesterday's
    demo customers (on the console) a minute after ``make run`` starts."""
    missing = csat_link.without_link().filter(business=business, resolved_at__isnull=False)
    Message.objects.bulk_create(
        Message(
            business=business,
            conversation=conv,
            sender_type=Message.SenderType.SYSTEM,
            content=csat_link.link_text(conv.pk),
            client_id=csat_link.CLIENT_ID,
            created_at=conv.resolved_at,
        )
        for conv in missing
    )
