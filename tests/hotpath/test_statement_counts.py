"""The statements one message costs (issue 12), counted on PostgreSQL: the conversation's
counters in one UPDATE ... RETURNING that also brings the snapshot's rows (customer, business,
assignee, rating), the message, the event-log row. Reading the rating or the labels lazily
was one more query per message each."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations import actions
from conversations.actions import Actor
from csat.actions import do_rate_conversation
from tests.services import in_ci

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        assert not in_ci(), "CI runs this on PostgreSQL"
        pytest.skip("the one-statement counters are PostgreSQL's (SQLite takes the lock path)")


def statements(fn, *args, **kwargs) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        fn(*args, **kwargs)
    return [q["sql"].split()[0].upper() for q in queries.captured_queries]


def test_a_customer_message_to_an_open_conversation(acme):
    conv = acme.start("Hello")
    sent = statements(actions.do_post_message, conv, sender_type="customer", content="More")
    # SAVEPOINT/RELEASE when the test's transaction wraps it; WITH: the counted UPDATE.
    assert [s for s in sent if s not in ("SAVEPOINT", "RELEASE")] == ["WITH", "INSERT", "INSERT"]


def test_a_rated_and_labelled_conversation_costs_one_more_query_for_its_labels(acme):
    from teamtools.actions.labels import create_label, do_set_labels

    conv = acme.start("Hello")
    actions.do_post_message(conv, sender_type="agent", content="Hi", agent=acme.agent)
    actions.do_resolve(conv, actor=Actor.of_agent(acme.agent))
    acme.business.csat_enabled = True
    acme.business.save(update_fields=["csat_enabled"])
    do_rate_conversation(conv, score=4, actor=Actor.of_customer(acme.customer))
    actions.do_reopen(conv, actor=Actor.of_agent(acme.agent))
    do_set_labels(
        conv, add=[create_label(acme.business, name="vip")], actor=Actor.of_agent(acme.agent)
    )
    sent = statements(
        actions.do_post_message, conv, sender_type="agent", content="Back", agent=acme.agent
    )
    assert [s for s in sent if s not in ("SAVEPOINT", "RELEASE")] == [
        "WITH",
        "INSERT",
        "SELECT",  # the labels (has_labels)
        "INSERT",
    ]
