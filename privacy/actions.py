"""Privacy actions: erase a customer's personal data; request an export of a business's data.

Erasure runs in one transaction and publishes ``customer.erased``. What it removes:

- the customer's name, email, external id, metadata and visitor key;
- the text of every message in their conversations (both sides: replies quote customers too),
  each conversation's first/last message text, handoff reason and metadata (page URL, user
  agent);
- every attachment in those conversations (rows now, files right after the commit:
  ``attachments.signals``);
- the event log rows of those conversations and of the customer (snapshots carry their data:
  ``/ws`` replay and ``GET /api/v1/events`` no longer return it), with the webhook deliveries
  of those events (pending ones are never sent);
- what other apps keep about them (``_erase_elsewhere``): CSAT comments, the team's notes on
  those conversations, their addresses on channels (email, phone, Telegram id), email subjects,
  providers' answers to sent replies; replies still waiting to go out on a channel are
  cancelled.

Webhooks already delivered are out of our hands: the receiver keeps what it got.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from attachments.models import Attachment
from conversations import errors
from conversations.actions import Actor
from conversations.events import Audience, EventType, publish
from conversations.models import Business, Conversation, Customer, EventLog, Message
from conversations.snapshots import conversation_snapshot, customer_snapshot
from csat.models import Rating
from customer_channels.models import (
    ChannelConversation,
    ChannelIdentity,
    OutboundAttempt,
    OutboundMessage,
)
from pingback.tasks import enqueue
from privacy.models import DataExport, Erasure
from privacy.tasks import build_export
from teamtools.models import Note
from webhooks.models import WebhookDelivery

ERASED_TEXT = "[erased]"


def _erase_text(value: str) -> str:
    return ERASED_TEXT if value else ""


def do_erase_customer(customer: Customer, *, actor: Actor | None = None) -> Erasure:
    """Erase ``customer``'s personal data (see the module docstring); returns the record."""
    actor = actor or Actor.system()
    with transaction.atomic():
        customer = (
            Customer.objects.select_for_update().select_related("business").get(pk=customer.pk)
        )
        convs = list(
            Conversation.objects.select_for_update()
            .filter(business_id=customer.business_id, customer_id=customer.pk)
            .order_by("id")
        )
        conv_ids = [c.pk for c in convs]
        attachments = Attachment.objects.filter(conversation_id__in=conv_ids).delete()[0]
        messages = Message.objects.filter(conversation_id__in=conv_ids).update(
            content=ERASED_TEXT, content_type=Message.ContentType.TEXT
        )
        for conv in convs:
            conv.first_message_text = _erase_text(conv.first_message_text)
            conv.last_message_text = _erase_text(conv.last_message_text)
            conv.handoff_reason = ""
            conv.metadata = {}
            conv.save(
                update_fields=[
                    "first_message_text",
                    "last_message_text",
                    "handoff_reason",
                    "metadata",
                    "updated_at",
                ]
            )
        _erase_elsewhere(customer, conv_ids)
        customer.name = customer.email = customer.external_id = customer.visitor_key_hash = ""
        customer.metadata = {}
        customer.identified_at = None
        customer.save()
        events = EventLog.objects.filter(business_id=customer.business_id).filter(
            Q(conversation_id__in=conv_ids) | Q(data__customer__id=customer.pk)
        )
        event_ids = list(events.values_list("id", flat=True))
        WebhookDelivery.objects.filter(
            business_id=customer.business_id, event_id__in=event_ids
        ).delete()
        EventLog.objects.filter(id__in=event_ids).delete()
        record = Erasure.objects.create(
            business=customer.business,
            customer_id=customer.pk,
            actor=_actor_label(actor),
            conversations=len(convs),
            messages=messages,
            attachments=attachments,
            events=len(event_ids),
        )
        publish(
            EventType.CUSTOMER_ERASED,
            business=customer.business,
            audience=Audience(business_id=customer.business_id, customer_id=customer.pk),
            data={
                "customer": customer_snapshot(customer),
                "conversations": [conversation_snapshot(c) for c in _with_assignees(convs)],
                "actor": actor.snapshot(),
            },
        )
    return record


def _erase_elsewhere(customer: Customer, conv_ids: list[int]) -> None:
    """The customer's data other apps keep (inside the erasure's transaction)."""
    Rating.objects.filter(conversation_id__in=conv_ids).update(comment="")
    Note.objects.filter(conversation_id__in=conv_ids).update(content=ERASED_TEXT)
    ChannelConversation.objects.filter(conversation_id__in=conv_ids).update(subject="")
    for identity in ChannelIdentity.objects.filter(customer=customer).only("pk"):
        # Unique per channel: a placeholder, so a later message from that address is a stranger.
        ChannelIdentity.objects.filter(pk=identity.pk).update(address=f"erased-{identity.pk}")
    outbound = OutboundMessage.objects.filter(message__conversation_id__in=conv_ids)
    OutboundAttempt.objects.filter(outbound__in=outbound).update(response_body="")
    outbound.filter(
        status__in=[OutboundMessage.Status.PENDING, OutboundMessage.Status.SENDING]
    ).update(status=OutboundMessage.Status.FAILED, last_error="The customer was erased.")


def _with_assignees(convs: list[Conversation]) -> list[Conversation]:
    by_id = Conversation.objects.select_related(
        "business", "customer", "assignee__user", "rating"
    ).in_bulk([c.pk for c in convs])
    return [by_id[c.pk] for c in convs]


def _actor_label(actor: Actor) -> str:
    snap = actor.snapshot()
    return f"{snap['type']} {snap['id']} ({snap['name']})" if snap["id"] else snap["name"]


def do_request_export(business: Business, *, format: str, requested_by: str) -> DataExport:
    """Queue an export of ``business``'s customers, conversations and messages; a background
    task writes the file (``privacy.tasks.build_export``)."""
    if format not in DataExport.Format.values:
        raise errors.ValidationFailed(
            f"format must be one of {', '.join(DataExport.Format.values)}.", field="format"
        )
    with transaction.atomic():
        export = DataExport.objects.create(
            business=business, format=format, requested_by=requested_by[:200]
        )
        transaction.on_commit(lambda: enqueue(build_export, export.pk))
    return export
