"""Automatic assignment in one process: round robin among online agents, capacity, arrival
order, AI handoffs, and nobody offline or gone. Runs are triggered by the events themselves
(the background subscriber's task), as in production."""

import pytest

from conversations import actions
from conversations.actions import Actor
from conversations.models import Agent, Business, Conversation
from pingback.tasks import wait_for_local_tasks

pytestmark = pytest.mark.django_db(transaction=True)
ONLINE, OFFLINE = Agent.Status.ONLINE, Agent.Status.OFFLINE


def settle():
    """Let the events' background work finish: a task's events may enqueue the next task
    (a message -> the AI's reply task -> its handoff -> an assignment run), three deep."""
    for _ in range(3):
        wait_for_local_tasks(30)


def new_chats(tenant, n, **kwargs):
    convs = []
    for i in range(n):
        customer = actions.create_customer(tenant.business, name=f"c{i}")
        convs.append(tenant.start(f"chat {i}", customer=customer, **kwargs))
        settle()
    return convs


def assignees(convs):
    return [Conversation.objects.get(pk=c.pk).assignee_id for c in convs]


@pytest.fixture
def round_robin(acme):
    actions.do_update_business_settings(
        acme.business, auto_assign_mode="round_robin", auto_assign_capacity=2
    )
    for agent in (acme.agent, acme.other_agent):
        actions.do_set_agent_status(agent, ONLINE)
    settle()
    return acme


def test_new_chats_go_round_robin_to_online_agents_up_to_capacity(round_robin):
    t = round_robin
    convs = new_chats(t, 5)
    first, second = sorted([t.agent.pk, t.other_agent.pk])
    assert assignees(convs) == [first, second, first, second, None]


def test_a_waiting_chat_goes_to_the_first_agent_with_room_in_arrival_order(
    round_robin, captured_events
):
    t = round_robin
    convs = new_chats(t, 6)  # 4 assigned, 2 waiting (the 5th arrived first)
    freed = Conversation.objects.get(pk=convs[1].pk)
    actions.do_resolve(freed, actor=Actor.of_agent(t.owner))
    settle()
    after = assignees(convs)
    assert after[4] == freed.assignee_id
    assert after[5] is None
    assigned = [e for e in captured_events if e.type == "conversation.assigned"]
    assert assigned[-1].data["actor"]["type"] == "system"


def test_an_agent_coming_online_takes_what_waits(acme):
    actions.do_update_business_settings(acme.business, auto_assign_mode="round_robin")
    convs = new_chats(acme, 2)
    assert assignees(convs) == [None, None]
    actions.do_set_agent_status(acme.agent, ONLINE)
    settle()
    assert assignees(convs) == [acme.agent.pk, acme.agent.pk]


def test_never_to_an_agent_offline_or_removed(round_robin):
    t = round_robin
    actions.do_set_agent_status(t.other_agent, OFFLINE)
    actions.remove_agent(t.agent)
    settle()
    convs = new_chats(t, 2)
    assert assignees(convs) == [None, None]


def test_ai_chats_wait_for_their_handoff(round_robin, captured_events):
    t = round_robin
    Business.objects.filter(pk=t.business.pk).update(ai_auto_reply_enabled=True)
    t.business.refresh_from_db()
    (conv,) = new_chats(t, 1)
    conv.refresh_from_db()
    # The assistant answers first; it may hand off by itself (nothing in its knowledge base).
    assert (conv.assignee_id is None) == (conv.handoff_requested_at is None)
    actions.do_request_handoff(conv, reason="asks for a human", actor=Actor.ai())
    settle()
    conv.refresh_from_db()
    assert conv.assignee_id is not None
    types = [e.type for e in captured_events if e.conversation_id == conv.pk]
    assert types.index("conversation.handoff_requested") < types.index("conversation.assigned")


def test_off_assigns_nothing(acme):
    actions.do_set_agent_status(acme.agent, ONLINE)
    convs = new_chats(acme, 2)
    assert assignees(convs) == [None, None]
    assert actions.do_assign_waiting(acme.business.pk) == []


def test_a_manual_assignment_is_never_overwritten(round_robin):
    t = round_robin
    actions.do_set_agent_status(t.agent, OFFLINE)
    actions.do_set_agent_status(t.other_agent, OFFLINE)
    settle()
    (conv,) = new_chats(t, 1)
    actions.do_assign(conv, t.owner, actor=Actor.of_agent(t.owner))
    actions.do_set_agent_status(t.agent, ONLINE)
    settle()
    assert assignees([conv]) == [t.owner.pk]


def test_businesses_are_assigned_apart(round_robin, globex):
    actions.do_set_agent_status(globex.agent, ONLINE)
    convs = new_chats(globex, 1)
    assert assignees(convs) == [None]  # globex is off; acme's agents never get its chats
