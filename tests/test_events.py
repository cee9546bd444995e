"""The event pipeline: after commit only, never on rollback, increasing ids, right audience."""

import pytest
from django.db import transaction

from conversations import actions, events
from conversations.actions import Actor
from conversations.events import Audience, EventType, WidgetScope
from conversations.models import EventLog


@pytest.mark.django_db(transaction=True)
def test_events_are_dispatched_only_after_commit(acme, captured_events):
    with transaction.atomic():
        conv = acme.start("hello")
        assert captured_events == []  # nothing leaves before commit
    types = [e.type for e in captured_events]
    assert types == [EventType.CONVERSATION_CREATED, EventType.MESSAGE_CREATED]
    assert all(e.business_id == acme.business.pk for e in captured_events)
    assert captured_events[1].data["message"]["content"] == "hello"
    assert captured_events[1].conversation_id == conv.pk


@pytest.mark.django_db(transaction=True)
def test_rolled_back_action_publishes_nothing(acme, captured_events):
    before = EventLog.objects.count()

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        acme.start("never sent")
        raise Boom
    assert captured_events == []
    assert EventLog.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_event_ids_increase_and_match_the_event_log(acme, captured_events):
    conv = acme.start()
    actor = Actor.of_agent(acme.agent)
    actions.do_post_message(conv, sender_type="agent", content="hi", agent=acme.agent)
    actions.do_resolve(conv, actor=actor)
    actions.do_reopen(conv, actor=actor)
    ids = [e.id for e in captured_events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert ids == list(EventLog.objects.filter(pk__in=ids).values_list("pk", flat=True))


def test_publish_outside_a_transaction_is_refused(acme):
    # pytest-django wraps tests in a transaction, so leave it explicitly.
    with pytest.raises(RuntimeError):
        transaction.get_connection().in_atomic_block = False
        try:
            events.publish(
                EventType.AGENT_STATUS_CHANGED,
                business=acme.business,
                audience=Audience(business_id=acme.business.pk),
                data={},
            )
        finally:
            transaction.get_connection().in_atomic_block = True


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_does_not_stop_the_others(acme, captured_events):
    def broken(event):
        raise ValueError("subscriber bug")

    events.subscribe("broken", broken)
    try:
        acme.start()
    finally:
        events.unsubscribe("broken")
    assert len(captured_events) == 2


@pytest.mark.django_db(transaction=True)
def test_every_action_publishes_its_typed_event(acme, captured_events):
    from tests.test_event_contract import every_event_type

    every_event_type(acme)  # the one list of actions that publish every type
    seen = {e.type for e in captured_events}
    assert seen == set(EventType)


@pytest.mark.django_db(transaction=True)
def test_audiences_scope_staff_and_widgets(acme, globex, captured_events):
    conv = acme.start()
    actions.do_assign(conv, acme.agent, actor=Actor.of_agent(acme.owner))
    actions.do_assign(conv, acme.other_agent, actor=Actor.of_agent(acme.owner))
    last = captured_events[-1].audience
    assert last.allows_agent(acme.owner.pk, acme.business.pk, is_manager=True)
    assert last.allows_agent(acme.other_agent.pk, acme.business.pk, is_manager=False)
    # The agent who lost the conversation hears that it moved, and nothing after.
    assert last.allows_agent(acme.agent.pk, acme.business.pk, is_manager=False)
    actions.do_post_message(conv, sender_type="customer", content="still there?")
    after = captured_events[-1].audience
    assert not after.allows_agent(acme.agent.pk, acme.business.pk, is_manager=False)
    assert after.allows_customer(acme.customer.pk, acme.business.pk)
    assert not after.allows_customer(globex.customer.pk, globex.business.pk)
    assert not after.allows_agent(globex.owner.pk, globex.business.pk, is_manager=True)

    actions.do_request_handoff(conv, actor=Actor.ai())
    assert captured_events[-1].audience.widgets == WidgetScope.NONE
    assert not captured_events[-1].audience.allows_customer(acme.customer.pk, acme.business.pk)


@pytest.mark.django_db(transaction=True)
def test_events_rebuild_from_the_log(acme, captured_events):
    acme.start()
    live = captured_events[-1]
    rebuilt = events.event_from_log(EventLog.objects.select_related("business").get(pk=live.id))
    assert rebuilt.type == live.type and rebuilt.data == live.data
    assert rebuilt.audience == live.audience
