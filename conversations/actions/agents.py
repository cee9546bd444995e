"""Agents: membership and presence."""

from django.db import transaction
from django.utils import timezone

from conversations import errors
from conversations.actions.actor import Actor
from conversations.actions.conversations import do_assign
from conversations.events import Audience, EventType, WidgetScope, publish
from conversations.models import Agent, Business, Conversation
from conversations.snapshots import agent_snapshot


def _membership_changed(agent: Agent, role: str | None) -> None:
    """Open connections of this member re-check what they may see (or close)."""
    publish(
        EventType.AGENT_MEMBERSHIP_CHANGED,
        business=agent.business,
        audience=Audience(business_id=agent.business_id),
        data={"agent_id": agent.pk, "user_id": agent.user_id, "role": role},
    )


def add_agent(business: Business, user, role: str = Agent.Role.AGENT) -> Agent:
    """Make ``user`` a member with ``role`` (a new role applies to open connections at once)."""
    if role not in Agent.Role.values:
        raise errors.ValidationFailed(f"Unknown role {role!r}.")
    with transaction.atomic():
        agent, _ = Agent.objects.get_or_create(
            business=business, user=user, defaults={"role": role}
        )
        if agent.role != role:
            agent.role = role
            agent.save(update_fields=["role"])
            _membership_changed(agent, role)
    return agent


def remove_agent(agent: Agent) -> None:
    """End a membership. Their conversations become unassigned (back in everyone's queue) and
    their open connections lose access to the business at once."""
    with transaction.atomic():
        agent = Agent.objects.select_related("business").get(pk=agent.pk)
        for conv in Conversation.objects.filter(assignee=agent):
            do_assign(conv, None, actor=Actor.system())
        _membership_changed(agent, None)
        agent.delete()


def set_user_active(user, active: bool) -> None:
    """Activate or deactivate a user account (admin, or any other surface).

    Deactivating counts as ending every membership for open connections: each membership
    publishes ``agent.membership_changed``, so the user's topics connections and agent sockets
    in every process re-check at once, find the account inactive and close. Their
    conversations stay assigned (a reactivated agent finds them again).
    """
    with transaction.atomic():
        type(user).objects.filter(pk=user.pk).update(is_active=active)
        user.is_active = active
        for agent in Agent.objects.filter(user=user).select_related("business"):
            _membership_changed(agent, agent.role if active else None)


def do_set_agent_status(agent: Agent, status: str) -> Agent:
    """Set presence; widgets of the business see it too (agent availability)."""
    if status not in Agent.Status.values:
        raise errors.ValidationFailed(
            f"Unknown status {status!r}; expected one of {', '.join(Agent.Status.values)}."
        )
    with transaction.atomic():
        agent = (
            Agent.objects.select_for_update().select_related("user", "business").get(pk=agent.pk)
        )
        if agent.status == status:
            return agent
        previous = agent.status
        agent.status = status
        agent.status_changed_at = timezone.now()
        agent.save(update_fields=["status", "status_changed_at"])
        publish(
            EventType.AGENT_STATUS_CHANGED,
            business=agent.business,
            audience=Audience(business_id=agent.business_id, widgets=WidgetScope.BUSINESS),
            data={"agent": agent_snapshot(agent), "previous_status": previous},
        )
    return agent
