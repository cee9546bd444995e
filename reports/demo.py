"""A week of realistic history for the demo business, so its reports show something.

Actions only know "now", so this imports past conversations the way a migration from another
tool would: customers through the action, then conversations, messages, ratings and their
event-log rows written at past instants with the snapshots the actions would have published
(so the rollups fold them like live events, and a rebuild gives the same figures).
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from conversations import actions
from conversations.models import Agent, Business, Conversation, EventLog, Message
from conversations.snapshots import (
    agent_snapshot,
    conversation_snapshot,
    message_snapshot,
    rating_snapshot,
)
from conversations.visibility import Audience
from csat.models import Rating
from reports import rollup

DAYS = 7
PER_WEEKDAY, PER_WEEKEND = 24, 8
CHANNELS = ["webchat"] * 5 + ["email"] * 2 + ["whatsapp"] * 2 + ["telegram"]
QUESTIONS = [
    "Can I change my plan?",
    "My invoice shows the wrong address.",
    "How do I export my data?",
    "The app logs me out all the time.",
    "Do you ship to Canada?",
    "I was charged twice this month.",
]
REPLIES = ["Happy to help!", "Let me check that for you.", "Fixed, sorry about that."]


def _log(rows: list, business: Business, type: str, at: datetime, conv, data: dict) -> None:
    rows.append(
        (
            EventLog(
                business=business,
                type=type,
                conversation_id=conv.pk,
                data=data,
                audience=Audience.of_conversation(conv).to_json(),
            ),
            at,
        )
    )


def _snap(conv: Conversation, **overrides) -> dict:
    return {**conversation_snapshot(conv), **overrides}


def seed_history(business: Business, agents: list[Agent], seed: int = 18) -> int:
    """Write a week of past conversations (not today); returns how many."""
    rng = random.Random(seed)
    zone = ZoneInfo(business.timezone)
    today = timezone.now().astimezone(zone).date()
    events: list[tuple[EventLog, datetime]] = []
    made = 0
    with transaction.atomic():
        for back in range(DAYS, 0, -1):
            day = today - timedelta(days=back)
            count = PER_WEEKDAY if day.weekday() < 5 else PER_WEEKEND
            for n in range(count):
                hour = min(22, max(7, int(rng.gauss(13, 3))))
                start = datetime.combine(day, time(hour, rng.randrange(60)), zone)
                made += 1
                _conversation(business, agents, rng, start, n, events)
        logged = EventLog.objects.bulk_create([row for row, _ in events])
        for row, (_, at) in zip(logged, events, strict=True):
            EventLog.objects.filter(pk=row.pk).update(created_at=at)
    rollup.catch_up(settle=0)
    return made


def _conversation(business, agents, rng, start, n, events) -> None:
    customer = actions.create_customer(
        business, name=f"Visitor {start:%a} {n + 1}", email=f"visitor{start:%m%d}{n}@example.com"
    )
    question = rng.choice(QUESTIONS)
    conv = Conversation.objects.create(
        business=business,
        customer=customer,
        channel_type=rng.choice(CHANNELS),
        created_at=start,
        last_activity_at=start,
        first_message_text=question,
        last_message_text=question,
        message_count=1,
        ai_enabled=rng.random() < 0.25,
    )
    first = Message.objects.create(
        business=business,
        conversation=conv,
        sender_type="customer",
        content=question,
        created_at=start,
    )
    created = _snap(conv, assignee=None)
    _log(
        events,
        business,
        "conversation.created",
        start,
        conv,
        {
            "conversation": created,
            "actor": {"type": "customer", "id": customer.pk, "name": customer.name},
        },
    )
    _log(
        events,
        business,
        "message.created",
        start,
        conv,
        {"message": message_snapshot(first, customer.name), "conversation": created},
    )
    end = start
    if conv.ai_enabled and rng.random() < 0.5:
        # The assistant answers and the customer is satisfied: resolved with no person.
        end = start + timedelta(seconds=rng.randint(5, 40))
        ai = Message.objects.create(
            business=business,
            conversation=conv,
            sender_type="system",
            is_ai=True,
            content="Here is how: …",
            created_at=end,
        )
        _log(
            events,
            business,
            "message.created",
            end,
            conv,
            {"message": message_snapshot(ai, "PingBack AI"), "conversation": _snap(conv)},
        )
    else:
        agent = rng.choice(agents)
        wait = timedelta(seconds=min(3 * 3600, rng.lognormvariate(4.3, 1.0)))
        end = start + wait
        conv.assignee, conv.assigned_at = agent, end
        conv.first_response_at = end
        reply = Message.objects.create(
            business=business,
            conversation=conv,
            sender_type="agent",
            sender_agent=agent,
            content=rng.choice(REPLIES),
            created_at=end,
        )
        before = _snap(conv, first_response_at=None, first_response_seconds=None)
        _log(
            events,
            business,
            "conversation.assigned",
            end,
            conv,
            {
                "conversation": before,
                "assignee": agent_snapshot(agent),
                "previous_assignee": None,
                "actor": {"type": "agent", "id": agent.pk, "name": agent.display_name},
                "handoff_cleared": False,
            },
        )
        _log(
            events,
            business,
            "message.created",
            end,
            conv,
            {"message": message_snapshot(reply, agent.display_name), "conversation": _snap(conv)},
        )
    if rng.random() < 0.75:
        end = end + timedelta(minutes=rng.expovariate(1 / 25))
        conv.status, conv.resolved_at = Conversation.Status.RESOLVED, end
        _log(
            events,
            business,
            "conversation.status_changed",
            end,
            conv,
            {
                "conversation": _snap(conv),
                "previous_status": "open",
                "status": "resolved",
                "actor": {"type": "system", "id": None, "name": "PingBack"},
                "csat_requested": True,
            },
        )
        if rng.random() < 0.45:
            score = rng.choice([5, 5, 5, 4, 4, 3, 2, 1])
            at = end + timedelta(minutes=rng.randint(1, 30))
            rating = Rating.objects.create(
                business=business,
                conversation=conv,
                agent=conv.assignee,
                score=score,
                created_at=at,
            )
            _log(
                events,
                business,
                "conversation.rated",
                at,
                conv,
                {
                    "conversation": _snap(conv),
                    "rating": rating_snapshot(rating),
                    "actor": {"type": "customer", "id": customer.pk, "name": customer.name},
                },
            )
    conv.last_activity_at = end
    conv.message_count = conv.messages.count()
    conv.save()
