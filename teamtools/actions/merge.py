"""Merging two customers: the same person seen twice (a second device, an email thread).

Only ever done by a member of the team, explicitly: PingBack never merges because two
customers claim the same email address (a visitor who types someone else's email must never
see that person's conversations). ``docs/team-tools.md`` explains how a business proves who a
visitor is.
"""

from django.db import transaction

from conversations import errors
from conversations.actions.actor import Actor
from conversations.events import Audience, EventType, publish
from conversations.models import Conversation, Customer
from conversations.snapshots import customer_snapshot
from conversations.validation import check_metadata
from customer_channels.models import ChannelIdentity


def do_merge_customers(keep: Customer, other: Customer, *, actor: Actor) -> Customer:
    """Move ``other``'s conversations (with their messages) and channel identities to ``keep``,
    fill ``keep``'s empty fields from ``other``, merge custom attributes (``keep`` wins), and
    delete ``other``. Publishes ``customer.merged``."""
    if keep.business_id != other.business_id:
        raise errors.CustomerNotFound("Customer not found.")
    if keep.pk == other.pk:
        raise errors.ValidationFailed("A customer cannot be merged into itself.", field="other")
    with transaction.atomic():
        rows = {
            c.pk: c
            for c in Customer.objects.select_for_update()
            .select_related("business")
            .filter(pk__in=[keep.pk, other.pk])
            .order_by("pk")
        }
        if len(rows) != 2:
            raise errors.CustomerNotFound("Customer not found.")
        keep, other = rows[keep.pk], rows[other.pk]
        moved = list(
            Conversation.objects.filter(customer=other).order_by("pk").values_list("pk", flat=True)
        )
        Conversation.objects.filter(pk__in=moved).update(customer=keep)
        ChannelIdentity.objects.filter(customer=other).update(customer=keep)
        for field in ("name", "email", "external_id"):
            if not getattr(keep, field) and getattr(other, field):
                setattr(keep, field, getattr(other, field))
        keep.metadata = check_metadata({**other.metadata, **keep.metadata})
        if keep.identified_at is None:
            keep.identified_at = other.identified_at
        keep.save()
        merged_id = other.pk
        other.delete()
        publish(
            EventType.CUSTOMER_MERGED,
            business=keep.business,
            audience=Audience(business_id=keep.business_id),
            data={
                "customer": customer_snapshot(keep),
                "merged_customer_id": merged_id,
                "conversation_ids": moved,
                "actor": actor.snapshot(),
            },
        )
    return keep
