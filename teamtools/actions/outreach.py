"""Agent-started conversations that reach the customer, or say plainly that they cannot.

- ``webchat``: the customer must have used the widget (a widget session): their open widgets
  switch to the new conversation at once (``conversation_started``) and a returning widget is
  offered it on connect (``realtime.widget.connection``).
- ``email``, ``whatsapp``, ``telegram``: the business needs an enabled channel of that kind and
  the customer an address on it (for email, their recorded email address will do); the
  conversation is linked to the channel, so the first message goes out through its outbox.
- ``api``: delivered to the business's own integration (webhooks, /ws).
Anything else is refused with 422 ``CHANNEL_CANNOT_DELIVER`` before anything is stored.
"""

from django.db import transaction

from conversations import errors
from conversations.actions.actor import Actor
from conversations.actions.messages import do_post_message, validate_content
from conversations.actions.start import do_start_conversation
from conversations.models import Agent, Business, Conversation, Customer, Message
from customer_channels.actions import link_conversation
from customer_channels.models import Channel
from customer_channels.reach import reach

C = Conversation.Channel


def has_widget_session(customer: Customer) -> bool:
    """The customer wrote from the widget at least once (so a widget holds their session)."""
    return Message.objects.filter(
        conversation__customer=customer,
        conversation__channel_type=C.WEBCHAT,
        sender_type=Message.SenderType.CUSTOMER,
    ).exists()


def delivery_route(customer: Customer, channel_type: str) -> tuple[Channel, str] | None:
    """``(channel, address)`` a new conversation on ``channel_type`` goes out through; None for
    webchat and api (no outbox); raises ChannelCannotDeliver when nothing can reach them."""
    if channel_type == C.API:
        return None
    if channel_type == C.WEBCHAT:
        if not has_widget_session(customer):
            raise errors.ChannelCannotDeliver(
                "This customer has never used the chat widget, so a widget conversation "
                "cannot reach them: pick a channel they can be reached on (email, …).",
                field="channel_type",
            )
        return None
    found = reach(customer.business_id, customer, channel_type)
    if found is not None:
        return found
    has_channel = Channel.objects.filter(
        business_id=customer.business_id, kind=channel_type, enabled=True
    ).exists()
    reason = (
        f"this customer has no {channel_type} address"
        if has_channel
        else f"the business has no enabled {channel_type} channel"
    )
    raise errors.ChannelCannotDeliver(
        f"The {channel_type} channel cannot deliver this conversation: {reason}.",
        field="channel_type",
    )


def do_start_outreach(
    business: Business,
    customer: Customer,
    *,
    agent: Agent | None,
    actor: Actor,
    channel_type: str,
    message: str,
    client_id: str | None = None,
    metadata: dict | None = None,
    assignee: Agent | None = None,
) -> tuple[Conversation, Message, bool]:
    """An agent (or, with no agent, the actor's API key) starts a conversation with ``message``;
    returns ``(conversation, message, created)``. Idempotent on ``client_id`` (a retry returns
    what the first call stored)."""
    validate_content(message)
    if client_id:
        existing = (
            Message.objects.filter(
                business=business, client_id=client_id, conversation__customer=customer
            )
            .select_related("conversation")
            .first()
        )
        if existing is not None:
            return existing.conversation, existing, False
    route = delivery_route(customer, channel_type)
    with transaction.atomic():
        conv, _ = do_start_conversation(
            business,
            customer,
            actor=actor,
            channel_type=channel_type,
            metadata=metadata,
            assignee=assignee or agent,
        )
        if route is not None:
            link_conversation(route[0], conv, route[1])
        msg, _ = do_post_message(
            conv,
            sender_type="agent",
            content=message,
            agent=agent,
            api_key=actor.api_key if agent is None else None,
            client_id=client_id,
        )
        conv.refresh_from_db()
    return conv, msg, True
