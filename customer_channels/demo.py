"""The demo's channels: an email channel whose replies go to ``EMAIL_URL`` (the console by
default, so ``make run`` prints them), carrying the seeded email conversations."""

from django.db import transaction
from django.db.models import Exists, OuterRef

from conversations.models import Business, Conversation, Message
from csat.links import rating_url
from customer_channels.actions import create_channel, link_conversation
from customer_channels.csat_link import CHANNEL_TYPES, CLIENT_ID
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
    sent = Message.objects.filter(conversation_id=OuterRef("pk"), client_id=CLIENT_ID)
    missing = Conversation.objects.filter(
        business=business,
        status=Conversation.Status.RESOLVED,
        channel_type__in=CHANNEL_TYPES,
        resolved_at__isnull=False,
    ).exclude(Exists(sent))
    Message.objects.bulk_create(
        Message(
            business=business,
            conversation=conv,
            sender_type=Message.SenderType.SYSTEM,
            content=f"How did we do? Rate this conversation: {rating_url(conv.pk)}",
            client_id=CLIENT_ID,
            created_at=conv.resolved_at,
        )
        for conv in missing
    )
