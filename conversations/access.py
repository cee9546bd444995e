"""Reads scoped to one business, with permission checks (``access_*`` raise NotFound).

Who may see a conversation is ``conversations.visibility`` (the one rule); these reads apply
it. A foreign id and an unknown id are indistinguishable: both raise NotFound.
"""

from django.db.models import QuerySet
from django.utils import timezone

from conversations import errors, visibility
from conversations.models import Agent, ApiKey, Business, Conversation, Customer, Message


def business_by_public_id(public_id) -> Business:
    if not isinstance(public_id, str) or not public_id:
        raise errors.BusinessNotFound("Unknown business_id.")
    try:
        return Business.objects.get(public_id=public_id)
    except Business.DoesNotExist:
        raise errors.BusinessNotFound("Unknown business_id.") from None


def conversations_of(business: Business) -> QuerySet[Conversation]:
    return Conversation.objects.filter(business=business)


def visible_conversations(agent: Agent | None, business: Business) -> QuerySet[Conversation]:
    """Conversations the caller may see: all for API keys (agent None) and managers."""
    if agent is None:
        return conversations_of(business)
    return conversations_of(business).filter(visibility.conversation_q(agent.pk, agent.is_manager))


def agent_can_see(agent: Agent | None, conversation: Conversation) -> bool:
    if agent is None:
        return True
    if agent.business_id != conversation.business_id:
        return False
    return visibility.can_see(agent.pk, agent.is_manager, conversation.assignee_id)


def int_id(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def access_conversation(
    business: Business, conversation_id, *, agent: Agent | None = None
) -> Conversation:
    pk = int_id(conversation_id)
    if pk is None:
        raise errors.ConversationNotFound("Conversation not found.")
    try:
        conv = (
            visible_conversations(agent, business)
            .select_related("customer", "assignee__user", "business")
            .get(pk=pk)
        )
    except Conversation.DoesNotExist:
        raise errors.ConversationNotFound("Conversation not found.") from None
    return conv


def access_customer(business: Business, customer_id) -> Customer:
    pk = int_id(customer_id)
    try:
        if pk is None:
            raise Customer.DoesNotExist
        return Customer.objects.get(business=business, pk=pk)
    except Customer.DoesNotExist:
        raise errors.CustomerNotFound("Customer not found.") from None


def access_agent(business: Business, agent_id) -> Agent:
    return _agent(business, "pk", agent_id)


def access_agent_by_user(business: Business, user_id) -> Agent:
    """The business's agent whose user is ``user_id`` (the topics API's user-id topics)."""
    return _agent(business, "user_id", user_id)


def _agent(business: Business, field: str, raw_id) -> Agent:
    pk = int_id(raw_id)
    try:
        if pk is None:
            raise Agent.DoesNotExist
        return Agent.objects.select_related("user").get(business=business, **{field: pk})
    except Agent.DoesNotExist:
        raise errors.AgentNotFound("Agent not found.") from None


def memberships(user) -> QuerySet[Agent]:
    """The businesses a user works in, as Agent rows (none once the account is deactivated)."""
    return Agent.objects.filter(user=user, user__is_active=True).select_related("business", "user")


def membership(user, business: Business) -> Agent | None:
    return memberships(user).filter(business=business).first()


def authenticate_api_key(raw: str | None) -> ApiKey | None:
    """The active key matching ``raw`` (records last use at most once a minute)."""
    if not raw or not isinstance(raw, str) or not raw.startswith(ApiKey.PREFIX):
        return None
    key = (
        ApiKey.objects.select_related("business")
        .filter(key_hash=ApiKey.hash_key(raw), revoked_at__isnull=True)
        .first()
    )
    if key is not None:
        now = timezone.now()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
    return key


def messages_after(conversation: Conversation, after_id: int | None, limit: int = 500):
    """Messages of a conversation after a cursor, oldest first (for resume)."""
    qs = Message.objects.filter(conversation=conversation).select_related("sender_agent__user")
    if after_id:
        qs = qs.filter(pk__gt=after_id)
    rows = list(qs.order_by("id")[:limit])
    for row in rows:
        row.conversation = conversation  # renderers read the customer's name from it
    return rows
