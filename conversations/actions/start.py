"""Starting a conversation, with its optional opening message (above ``conversations`` and
``messages``: it uses both, and neither needs it)."""

from django.db import transaction
from django.utils import timezone

from conversations import errors
from conversations.actions.actor import Actor
from conversations.actions.conversations import lock
from conversations.actions.messages import do_post_message, validate_content
from conversations.events import Audience, EventType, publish
from conversations.models import Agent, Business, Conversation, Customer, Message
from conversations.snapshots import conversation_snapshot
from conversations.validation import check_metadata


def do_start_conversation(
    business: Business,
    customer: Customer,
    *,
    actor: Actor,
    channel_type: str = Conversation.Channel.WEBCHAT,
    opening_message: str | None = None,
    opening_client_id: str | None = None,
    metadata: dict | None = None,
    assignee: Agent | None = None,
):
    """Open a conversation (customer- or agent-initiated), with an optional first message.

    Returns ``(conversation, message_or_None)``. A customer retrying the same first message
    (same ``opening_client_id``) gets the conversation it already started.
    """
    if customer.business_id != business.pk:
        raise errors.CustomerNotFound("Customer not found.")
    if assignee is not None and assignee.business_id != business.pk:
        raise errors.AgentNotFound("Agent not found.")
    if channel_type not in Conversation.Channel.values:
        raise errors.ValidationFailed(
            f"Unknown channel_type {channel_type!r}; expected one of "
            f"{', '.join(Conversation.Channel.values)}.",
            field="channel_type",
        )
    if metadata is not None:
        check_metadata(metadata)
    if opening_message is not None:
        validate_content(opening_message)
    if opening_client_id:
        existing = (
            Message.objects.filter(
                business=business, client_id=opening_client_id, conversation__customer=customer
            )
            .select_related("conversation")
            .first()
        )
        if existing is not None:
            return existing.conversation, existing

    sender = Message.SenderType.CUSTOMER if actor.kind == "customer" else Message.SenderType.AGENT
    if sender == Message.SenderType.AGENT and opening_message is not None and assignee is None:
        assignee = actor.agent  # an agent who writes first owns the conversation they started
    with transaction.atomic():
        now = timezone.now()
        conv = Conversation.objects.create(
            business=business,
            customer=customer,
            channel_type=channel_type,
            metadata=metadata or {},
            ai_enabled=business.ai_auto_reply_enabled and sender == Message.SenderType.CUSTOMER,
            created_at=now,
            last_activity_at=now,
            assignee=assignee,
            assigned_at=now if assignee else None,
        )
        conv = lock(conv)
        publish(
            EventType.CONVERSATION_CREATED,
            business=business,
            audience=Audience.of_conversation(conv),
            data={"conversation": conversation_snapshot(conv), "actor": actor.snapshot()},
        )
        message = None
        if opening_message is not None:
            message, _ = do_post_message(
                conv,
                sender_type=sender,
                content=opening_message,
                agent=actor.agent if sender == Message.SenderType.AGENT else None,
                api_key=actor.api_key if sender == Message.SenderType.AGENT else None,
                client_id=opening_client_id,
            )
            conv.refresh_from_db()
    return conv, message
