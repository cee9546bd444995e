"""Automatic assignment: round robin among online agents, within a per-agent capacity.

A conversation *waits* for an agent while it is open, unassigned and meant for a human (the AI
is off for it, or the AI asked for a handoff). :func:`do_assign_waiting` hands the waiting
conversations of one business, oldest first, to the online agents with room left, each time to
the next agent after the one who got the last automatic assignment. Every assignment goes
through ``do_assign`` (its event, webhook and inbox updates as for a manual one).

Correct with several processes: the business row, its online agents and the waiting
conversations are locked (``SELECT … FOR UPDATE``) in one transaction, so two runs never hand
out the same conversation nor count the same free slot twice, an agent going offline waits for
(or is seen by) a run, and a manual assignment committed first takes the conversation out of
the waiting set. SQLite (one process) serializes runs with a process lock instead.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q

from conversations.actions.actor import Actor
from conversations.actions.conversations import do_assign
from conversations.models import Agent, Business, Conversation

S = Conversation.Status
# The conversations that count against an agent's capacity.
HELD = (S.OPEN, S.PENDING)
_local = threading.Lock()  # SQLite has no row locks; one process is all it serves


def waiting(business_id: int):
    """The conversations waiting for an agent, in arrival order."""
    return Conversation.objects.filter(
        business_id=business_id, status=S.OPEN, assignee__isnull=True
    ).filter(Q(ai_enabled=False) | Q(needs_human_handoff=True))


def next_agent(agent_ids: list[int], free: dict[int, int], last: int | None) -> int | None:
    """Round robin: the first agent after ``last`` (by id, wrapping) with a free slot."""
    later = [a for a in agent_ids if last is None or a > last]
    for agent_id in later + [a for a in agent_ids if a not in later]:
        if free[agent_id] > 0:
            return agent_id
    return None


def do_assign_waiting(business_id: int) -> list[tuple[int, int]]:
    """Assign what waits in ``business_id`` to online agents with room; returns
    ``[(conversation_id, agent_id), …]`` in the order handed out."""
    if settings.IS_POSTGRES:
        return _assign_waiting(business_id)
    with _local:
        return _assign_waiting(business_id)


def _assign_waiting(business_id: int) -> list[tuple[int, int]]:
    with transaction.atomic():
        business = Business.objects.select_for_update().filter(pk=business_id).first()
        if business is None or business.auto_assign_mode != Business.AutoAssign.ROUND_ROBIN:
            return []
        agents = {
            a.pk: a
            for a in Agent.objects.select_for_update(of=("self",))
            .select_related("user", "business")
            .filter(business=business, status=Agent.Status.ONLINE, user__is_active=True)
            .order_by("id")
        }
        if not agents:
            return []
        held = dict(
            Conversation.objects.filter(assignee_id__in=agents, status__in=HELD)
            .values("assignee_id")
            .annotate(n=Count("id"))
            .values_list("assignee_id", "n")
        )
        free = {a: business.auto_assign_capacity - held.get(a, 0) for a in agents}
        room = sum(max(n, 0) for n in free.values())
        if room <= 0:
            return []
        queue = list(
            waiting(business_id)
            .select_for_update(of=("self",))
            .select_related("customer", "business")
            .order_by("created_at", "id")[:room]
        )
        handed: list[tuple[int, int]] = []
        last = business.auto_assign_last_agent_id
        ids = list(agents)
        for conv in queue:
            agent_id = next_agent(ids, free, last)
            if agent_id is None:
                break
            do_assign(conv, agents[agent_id], actor=Actor.system())
            free[agent_id] -= 1
            last = agent_id
            handed.append((conv.pk, agent_id))
        if handed:
            Business.objects.filter(pk=business_id).update(auto_assign_last_agent_id=last)
    return handed
