"""Agents: membership and presence."""

from django.db import transaction
from django.utils import timezone

from conversations import errors
from conversations.events import Audience, EventType, WidgetScope, publish
from conversations.models import Agent, Business
from conversations.snapshots import agent_snapshot


def add_agent(business: Business, user, role: str = Agent.Role.AGENT) -> Agent:
    if role not in Agent.Role.values:
        raise errors.ValidationFailed(f"Unknown role {role!r}.")
    agent, _ = Agent.objects.get_or_create(business=business, user=user, defaults={"role": role})
    if agent.role != role:
        agent.role = role
        agent.save(update_fields=["role"])
    return agent


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
