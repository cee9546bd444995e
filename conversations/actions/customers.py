"""Customers: creation and identification."""

import hashlib

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from conversations import errors
from conversations.actions.actor import Actor
from conversations.events import Audience, EventType, publish
from conversations.models import Business, Customer
from conversations.snapshots import customer_snapshot
from conversations.validation import check_metadata, check_text

NAME_MAX = 200


def clean_name(name) -> str:
    if name is None:
        return ""
    if not isinstance(name, str):
        raise errors.ValidationFailed("name must be a string.", field="name")
    name = check_text(name, "name").strip()
    if len(name) > NAME_MAX:
        raise errors.ValidationFailed(f"name is longer than {NAME_MAX} characters.", field="name")
    return name


def clean_email(email) -> str:
    if email is None or email == "":
        return ""
    if not isinstance(email, str):
        raise errors.ValidationFailed("email must be a string.", field="email")
    email = check_text(email, "email").strip()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise errors.ValidationFailed(
            f"{email!r} is not a valid email address.", field="email"
        ) from None
    return email.lower()


def clean_metadata(metadata) -> dict:
    if metadata is None:
        return {}
    return check_metadata(metadata)


def visitor_key_hash(visitor_key) -> str:
    """The stored form of a widget's visitor key ("" when there is none)."""
    if visitor_key is None:
        return ""
    if not isinstance(visitor_key, str) or not 16 <= len(visitor_key) <= 200:
        raise errors.ValidationFailed(
            "visitor_key must be a random string of 16 to 200 characters.", field="visitor_key"
        )
    return hashlib.sha256(visitor_key.encode()).hexdigest()


def create_customer(
    business: Business, *, name="", email="", external_id="", metadata=None, visitor_key=None
) -> Customer:
    return Customer.objects.create(
        business=business,
        name=clean_name(name),
        email=clean_email(email),
        external_id=check_text(external_id or "", "external_id")[:200],
        metadata=clean_metadata(metadata),
        visitor_key_hash=visitor_key_hash(visitor_key),
    )


def do_identify_customer(
    customer: Customer,
    *,
    name=None,
    email=None,
    external_id=None,
    metadata=None,
    actor: Actor | None = None,
) -> Customer:
    """Update who a customer is; ``metadata`` is merged into what is stored."""
    changes: dict = {}
    if name is not None:
        changes["name"] = clean_name(name)
    if email is not None:
        changes["email"] = clean_email(email)
    if external_id is not None:
        if not isinstance(external_id, str) or len(external_id) > 200:
            raise errors.ValidationFailed("customerId must be a string of at most 200 characters.")
        changes["external_id"] = check_text(external_id, "customerId")
    metadata = clean_metadata(metadata) if metadata is not None else None
    with transaction.atomic():
        customer = (
            Customer.objects.select_for_update().select_related("business").get(pk=customer.pk)
        )
        for field, value in changes.items():
            setattr(customer, field, value)
        if metadata:
            customer.metadata = check_metadata({**customer.metadata, **metadata})
        customer.identified_at = timezone.now()
        customer.save()
        publish(
            EventType.CUSTOMER_IDENTIFIED,
            business=customer.business,
            audience=Audience(business_id=customer.business_id),
            data={
                "customer": customer_snapshot(customer),
                "actor": (actor or Actor.system()).snapshot(),
            },
        )
    return customer
