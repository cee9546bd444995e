"""Every status transition, allowed and refused, with its timestamps."""

import pytest

from conversations import actions, errors
from conversations.actions import Actor
from conversations.actions.conversations import ALLOWED_TRANSITIONS
from conversations.models import Conversation

S = Conversation.Status
ALL = list(S.values)


def conversation_in(tenant, status):
    conv = tenant.start()
    actor = Actor.of_agent(tenant.agent)
    path = {
        S.OPEN: [],
        S.PENDING: [S.PENDING],
        S.RESOLVED: [S.RESOLVED],
        S.CLOSED: [S.CLOSED],
    }[status]
    for step in path:
        conv = actions.do_set_status(conv, step, actor=actor)
    assert conv.status == status
    return conv


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", ALL)
def test_every_transition_is_allowed_or_refused_as_documented(acme, source, target):
    conv = conversation_in(acme, source)
    actor = Actor.of_agent(acme.agent)
    allowed = source in ALLOWED_TRANSITIONS[target] and source != target
    if allowed:
        conv = actions.do_set_status(conv, target, actor=actor)
        conv.refresh_from_db()
        assert conv.status == target
    else:
        with pytest.raises(errors.InvalidTransition) as info:
            actions.do_set_status(conv, target, actor=actor)
        assert info.value.code == "INVALID_STATUS_TRANSITION"
        assert info.value.http_status == 409
        conv.refresh_from_db()
        assert conv.status == source


def test_new_conversations_start_open_without_resolution_timestamps(acme):
    conv = acme.start()
    assert conv.status == S.OPEN
    assert conv.resolved_at is None and conv.closed_at is None


def test_resolve_records_resolved_at_and_close_records_closed_at(acme):
    conv = acme.start()
    actor = Actor.of_agent(acme.agent)
    conv = actions.do_resolve(conv, actor=actor)
    assert conv.resolved_at is not None and conv.closed_at is None
    resolved_at = conv.resolved_at
    conv = actions.do_close(conv, actor=actor)
    assert conv.closed_at >= resolved_at
    assert conv.resolved_at == resolved_at


@pytest.mark.parametrize("status", [S.RESOLVED, S.CLOSED])
def test_resolved_and_closed_reopen_to_open(acme, status):
    conv = conversation_in(acme, status)
    conv = actions.do_reopen(conv, actor=Actor.of_agent(acme.agent))
    assert conv.status == S.OPEN


@pytest.mark.parametrize("status", [S.OPEN, S.PENDING])
def test_reopen_refuses_conversations_that_are_not_finished(acme, status):
    conv = conversation_in(acme, status)
    with pytest.raises(errors.InvalidTransition):
        actions.do_reopen(conv, actor=Actor.of_agent(acme.agent))


def test_unknown_status_is_a_validation_error(acme):
    with pytest.raises(errors.ValidationFailed):
        actions.do_set_status(acme.start(), "archived", actor=Actor.system())


@pytest.mark.parametrize("status", [S.PENDING, S.RESOLVED, S.CLOSED])
def test_customer_message_reopens_a_waiting_or_finished_conversation(acme, status):
    conv = conversation_in(acme, status)
    actions.do_post_message(conv, sender_type="customer", content="Me again")
    conv.refresh_from_db()
    assert conv.status == S.OPEN


def test_first_response_is_recorded_by_the_first_agent_reply_only(acme):
    conv = acme.start()
    actions.do_post_message(conv, sender_type="system", content="Bot says hi", is_ai=True)
    conv.refresh_from_db()
    assert conv.first_response_at is None
    first, _ = actions.do_post_message(conv, sender_type="agent", content="Hi!", agent=acme.agent)
    actions.do_post_message(conv, sender_type="agent", content="Again", agent=acme.agent)
    conv.refresh_from_db()
    assert conv.first_response_at == first.created_at
    assert conv.first_response_seconds >= 0


def test_assignment_to_another_business_agent_is_refused(acme, globex):
    with pytest.raises(errors.AgentNotFound):
        actions.do_assign(acme.start(), globex.agent, actor=Actor.of_agent(acme.owner))


def test_assigning_clears_a_handoff_request_and_unassign_works(acme):
    conv = acme.start()
    conv = actions.do_request_handoff(conv, reason="asked for human", actor=Actor.ai())
    assert conv.needs_human_handoff and conv.handoff_requested_at
    conv = actions.do_assign(conv, acme.agent, actor=Actor.of_agent(acme.owner))
    assert conv.assignee == acme.agent and not conv.needs_human_handoff and conv.assigned_at
    conv = actions.do_assign(conv, None, actor=Actor.of_agent(acme.owner))
    assert conv.assignee is None and conv.assigned_at is None


def test_agent_initiated_conversation_with_opening_message(acme):
    conv, msg = actions.do_start_conversation(
        acme.business,
        acme.customer,
        actor=Actor.of_agent(acme.agent),
        channel_type="email",
        opening_message="Following up on your order",
    )
    assert conv.channel_type == "email" and conv.status == S.OPEN
    assert msg.sender_type == "agent" and msg.sender_agent == acme.agent
    assert conv.first_response_at == msg.created_at


def test_invalid_channel_is_refused_and_nothing_is_written(acme):
    before = Conversation.objects.count()
    with pytest.raises(errors.ValidationFailed):
        actions.do_start_conversation(
            acme.business, acme.customer, actor=Actor.system(), channel_type="pigeon"
        )
    assert Conversation.objects.count() == before


def test_an_agent_reply_takes_over_an_unassigned_handoff(acme, captured_events):
    conv = acme.start()
    actions.do_request_handoff(conv, reason="asked for a human", actor=Actor.ai())
    actions.do_post_message(conv, sender_type="agent", content="I'm here", agent=acme.agent)
    conv.refresh_from_db()
    assert conv.assignee == acme.agent
    assert conv.needs_human_handoff is False


def test_a_reply_to_someone_elses_conversation_keeps_its_assignee_and_meets_the_handoff(acme):
    conv = acme.start()
    actions.do_assign(conv, acme.other_agent, actor=Actor.of_agent(acme.owner))
    actions.do_request_handoff(
        conv, reason="needs a manager", actor=Actor.of_agent(acme.other_agent)
    )
    actions.do_post_message(conv, sender_type="agent", content="Manager here", agent=acme.owner)
    conv.refresh_from_db()
    assert conv.assignee == acme.other_agent
    assert conv.needs_human_handoff is False


def test_ai_and_system_messages_do_not_assign(acme):
    conv = acme.start()
    actions.do_post_message(conv, sender_type="system", content="AI answer", is_ai=True)
    conv.refresh_from_db()
    assert conv.assignee is None
