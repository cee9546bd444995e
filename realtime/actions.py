"""The widget's one compound write: first message of a new conversation, customer included.

Creating the customer and the conversation happen in one transaction, so invalid input or a
crash never leaves a customer without its conversation. A retried first message (same
``client_id``, same name and email) returns what the first attempt stored: the widget may
not have received the ack (and its session token) before reconnecting.
"""

from django.db import transaction

from conversations import errors
from conversations.actions import Actor, create_customer, do_start_conversation
from conversations.actions.customers import clean_email, clean_name, visitor_key_hash
from conversations.actions.messages import validate_client_id, validate_content
from conversations.models import Business, Customer, Message


def clean_customer_data(customer_data) -> tuple[str, str]:
    if customer_data is None:
        raise errors.ValidationFailed(
            "customer_data {name, email} is required to start a conversation.",
            field="customer_data",
        )
    if not isinstance(customer_data, dict):
        raise errors.ValidationFailed(
            "customer_data must be an object {name, email}.", field="customer_data"
        )
    name = clean_name(customer_data.get("name"))
    if not name:
        raise errors.ValidationFailed(
            "customer_data.name must be a non-empty string.", field="customer_data.name"
        )
    try:
        email = clean_email(customer_data.get("email"))
    except errors.ValidationFailed as exc:
        raise errors.ValidationFailed(exc.message, field="customer_data.email") from None
    if not email:
        raise errors.ValidationFailed(
            "customer_data.email must be a valid email address.", field="customer_data.email"
        )
    return name, email


def start_widget_conversation(
    business: Business,
    *,
    content,
    customer_id: int | None = None,
    customer_data=None,
    client_id=None,
    metadata: dict | None = None,
    visitor_key=None,
):
    """Returns ``(conversation, message, created)``.

    A socket without a session token proves a retried first message by its visitor key (a
    secret the widget keeps and staff never see): same client_id, name, email *and* key.
    Without a key a retry starts a new conversation rather than hand out someone's session.
    """
    content = validate_content(content)
    client_id = validate_client_id(client_id)
    key_hash = visitor_key_hash(visitor_key)
    if customer_id is None:
        name, email = clean_customer_data(customer_data)
        same_customer = {
            "conversation__customer__email": email,
            "conversation__customer__name": name,
            "conversation__customer__visitor_key_hash": key_hash,
        }
    else:
        if customer_data is not None and not isinstance(customer_data, dict):
            raise errors.ValidationFailed(
                "customer_data must be an object {name, email}.", field="customer_data"
            )
        same_customer = {"conversation__customer_id": customer_id}

    def already_stored():
        if client_id is None or (customer_id is None and not key_hash):
            return None
        return (
            Message.objects.filter(
                business=business,
                client_id=client_id,
                sender_type=Message.SenderType.CUSTOMER,
                **same_customer,
            )
            .select_related("conversation__customer")
            .first()
        )

    existing = already_stored()
    if existing is not None:
        return existing.conversation, existing, False
    with transaction.atomic():
        if client_id is not None:
            # Two concurrent retries of one first message: the business row lock makes the
            # second wait and then find what the first stored.
            Business.objects.select_for_update().filter(pk=business.pk).first()
            existing = already_stored()
            if existing is not None:
                return existing.conversation, existing, False
        if customer_id is None:
            customer = create_customer(business, name=name, email=email, visitor_key=visitor_key)
        else:
            customer = Customer.objects.get(business=business, pk=customer_id)
        conv, message = do_start_conversation(
            business,
            customer,
            actor=Actor.of_customer(customer),
            opening_message=content,
            opening_client_id=client_id,
            metadata=metadata,
        )
    return conv, message, True
