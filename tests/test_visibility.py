"""Visibility is defined once (conversations.visibility) and its three forms agree: the
queryset filter, the per-receiver audience check and the Socket.IO room names, for any mix of
roles, assignees and businesses (Hypothesis), and all three match the documented rule."""

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations import access
from conversations.models import Agent, Business, Conversation, Customer
from conversations.visibility import Audience, WidgetScope
from realtime import rooms

ROLES = [Agent.Role.OWNER, Agent.Role.ADMIN, Agent.Role.AGENT]

# A world: per business, the roles of its members, and per conversation an assignee
# (None, or an index into that business's members).
worlds = st.lists(
    st.lists(st.sampled_from(ROLES), min_size=1, max_size=4).flatmap(
        lambda roles: st.tuples(
            st.just(roles),
            st.lists(
                st.none() | st.integers(min_value=0, max_value=len(roles) - 1),
                min_size=1,
                max_size=4,
            ),
        )
    ),
    min_size=1,
    max_size=3,
)


class Rollback(Exception):
    pass


def build(world):
    User = get_user_model()
    members, conversations = [], []
    counter = itertools.count()
    for b_index, (roles, assignees) in enumerate(world):
        business = Business.objects.create(name=f"B{b_index}")
        agents = []
        for role in roles:
            n = next(counter)
            user = User.objects.create(username=f"u{n}@x.test", email=f"u{n}@x.test")
            agents.append(Agent.objects.create(business=business, user=user, role=role))
        customer = Customer.objects.create(business=business, name="c")
        for assignee in assignees:
            conversations.append(
                Conversation.objects.create(
                    business=business,
                    customer=customer,
                    last_activity_at=timezone.now(),
                    assignee=None if assignee is None else agents[assignee],
                )
            )
        members += agents
    return members, conversations


def documented_rule(agent: Agent, conv: Conversation) -> bool:
    """docs/domain.md: managers see all of their business; agents theirs and unassigned."""
    if agent.business_id != conv.business_id:
        return False
    return agent.is_manager or conv.assignee_id in (None, agent.pk)


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(world=worlds)
def test_queryset_audience_and_rooms_agree_for_any_world(world):
    try:
        with transaction.atomic():
            members, conversations = build(world)
            for agent in members:
                visible = set(
                    access.visible_conversations(agent, agent.business).values_list("pk", flat=True)
                )
                for conv in conversations:
                    expected = documented_rule(agent, conv)
                    by_query = conv.pk in visible
                    audience = Audience.of_conversation(conv)
                    by_audience = audience.allows_agent(
                        agent.pk, agent.business_id, agent.is_manager
                    )
                    joined = set(
                        rooms.conversation_rooms_for_agent(conv.pk, agent.pk, agent.is_manager)
                    )
                    # Joining a conversation's rooms goes through access_conversation in the
                    # socket's own business (realtime.widget): another business never joins.
                    by_conversation_rooms = agent.business_id == conv.business_id and bool(
                        joined & set(rooms.conversation_targets(audience))
                    )
                    public_id = agent.business.public_id
                    on_connect = set(
                        rooms.agent_rooms_on_connect(public_id, agent.pk, agent.is_manager)
                    )
                    conv_public_id = conv.business.public_id
                    by_business_rooms = bool(
                        on_connect & set(rooms.business_targets(audience, conv_public_id))
                    )
                    assert (
                        expected
                        == by_query
                        == by_audience
                        == by_conversation_rooms
                        == by_business_rooms
                        == access.agent_can_see(agent, conv)
                    ), (agent.role, agent.pk, conv.assignee_id, agent.business_id, conv.business_id)
            raise Rollback
    except Rollback:
        pass


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(world=worlds, data=st.data())
def test_a_reassignment_reaches_exactly_who_saw_it_before_or_sees_it_now(world, data):
    """The assignment event's audience: the old viewers learn it moved, the new ones see it."""
    try:
        with transaction.atomic():
            members, conversations = build(world)
            conv = data.draw(st.sampled_from(conversations))
            same_business = [m for m in members if m.business_id == conv.business_id]
            new = data.draw(st.none() | st.sampled_from(same_business))
            before = conv.assignee_id
            conv.assignee = new
            audience = Audience.of_conversation(conv, previous_assignees=(before,))
            for agent in members:
                saw = documented_rule(
                    agent, Conversation(business_id=conv.business_id, assignee_id=before)
                )
                sees = documented_rule(agent, conv)
                allowed = audience.allows_agent(agent.pk, agent.business_id, agent.is_manager)
                assert allowed == (saw or sees)
            raise Rollback
    except Rollback:
        pass


def test_customers_see_only_their_own_conversation_events():
    audience = Audience(business_id=1, conversation_id=5, customer_id=7, staff_keys=frozenset())
    assert not audience.allows_customer(7, 1)  # WidgetScope.NONE: staff only
    own = Audience(
        business_id=1, conversation_id=5, customer_id=7, widgets=WidgetScope.CONVERSATION
    )
    assert own.allows_customer(7, 1)
    assert not own.allows_customer(8, 1)
    assert not own.allows_customer(7, 2)  # another business's customer with the same id
    everyone = Audience(business_id=1, widgets=WidgetScope.BUSINESS)
    assert everyone.allows_customer(None, 1) and not everyone.allows_customer(None, 2)


def test_event_log_rows_written_before_staff_keys_still_resolve():
    legacy = {
        "business_id": 1,
        "conversation_id": 5,
        "assignee_id": 3,
        "agent_ids": [4],
        "customer_id": 7,
        "widgets": "conversation",
    }
    audience = Audience.from_json(legacy)
    assert audience.allows_agent(3, 1, False) and audience.allows_agent(4, 1, False)
    assert not audience.allows_agent(9, 1, False) and audience.allows_agent(9, 1, True)
    assert Audience.from_json(audience.to_json()) == audience
