"""A separate PingBack process for the concurrent assignment test (``python -m``):

- ``setup AGENTS CAPACITY``: one round-robin business with AGENTS online agents; prints its id;
- ``start BUSINESS_ID N``: N customers each start a conversation, every start followed by an
  assignment run (as the event's task would), concurrently with the other processes;
- ``report BUSINESS_ID``: what the database holds, as JSON.
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingback.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from conversations import actions  # noqa: E402
from conversations.actions import Actor  # noqa: E402
from conversations.models import Agent, Business, Conversation, EventLog  # noqa: E402
from pingback.tasks import wait_for_local_tasks  # noqa: E402


def setup(agents: int, capacity: int) -> None:
    business = actions.create_business("Round Robin Inc")
    actions.do_update_business_settings(
        business, auto_assign_mode="round_robin", auto_assign_capacity=capacity
    )
    for i in range(agents):
        user = get_user_model().objects.create_user(username=f"agent{i}@rr.test")
        actions.do_set_agent_status(actions.add_agent(business, user), Agent.Status.ONLINE)
    wait_for_local_tasks(60)
    print(business.pk)


def start(business_id: int, n: int) -> None:
    business = Business.objects.get(pk=business_id)
    for i in range(n):
        customer = actions.create_customer(business, name=f"p{os.getpid()}-{i}")
        actions.do_start_conversation(
            business, customer, actor=Actor.of_customer(customer), opening_message="hi"
        )
        actions.do_assign_waiting(business_id)
    wait_for_local_tasks(60)


def report(business_id: int) -> None:
    convs = Conversation.objects.filter(business_id=business_id).order_by("created_at", "id")
    assigned_events: dict[int, int] = {}
    for conv_id in EventLog.objects.filter(
        business_id=business_id, type="conversation.assigned"
    ).values_list("conversation_id", flat=True):
        assigned_events[conv_id] = assigned_events.get(conv_id, 0) + 1
    print(
        json.dumps(
            {
                "conversations": [[c.pk, c.assignee_id, c.status] for c in convs],
                "assigned_events": assigned_events,
                "agents": list(
                    Agent.objects.filter(business_id=business_id).values_list("pk", flat=True)
                ),
            }
        )
    )


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"setup": setup, "start": start, "report": report}[command](*map(int, args))
