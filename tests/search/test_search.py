"""Search: message text through the database's full-text index (FTS5 on SQLite, tsvector + GIN
on PostgreSQL: the same tests run on both), customers, ids; only what the caller may see."""

import re

import pytest

from conversations import actions
from conversations.actions import Actor
from search.engine import search
from tests.api.conftest import assert_error, client_for

pytestmark = pytest.mark.django_db


def customer_says(tenant, name, email, *texts):
    customer = actions.create_customer(tenant.business, name=name, email=email)
    conv = tenant.start(texts[0], customer=customer)
    for text in texts[1:]:
        actions.do_post_message(conv, sender_type="customer", content=text)
    return conv


@pytest.fixture
def convs(acme, globex):
    refund = customer_says(
        acme,
        "Sam Buyer",
        "sam@buyer.test",
        "Hello",
        "I was charged twice, I want a <b>refund</b> now",
    )
    shipping = customer_says(
        acme, "Rita Ship", "rita@x.test", "Where is my parcel? Shipping is slow"
    )
    theirs = customer_says(globex, "Sam Globex", "sam@globex.test", "I want a refund too")
    return {"refund": refund, "shipping": shipping, "theirs": theirs}


def test_message_text_is_found_with_its_snippet_highlighted_and_escaped(acme, convs):
    (hit,) = search(acme.owner, acme.business, "refund")
    assert hit.conversation_id == convs["refund"].pk and hit.matched == "message"
    assert "<mark>refund</mark>" in hit.snippet
    # The customer's markup never comes through as HTML (SQLite escapes it, PostgreSQL's
    # headline drops tags): only <mark> is markup.
    assert not set(re.sub(r"</?mark>", "", hit.snippet)) & set("<>")


def test_every_word_must_match_and_the_last_is_a_prefix(acme, convs):
    assert [h.conversation_id for h in search(acme.owner, acme.business, "charged ref")] == [
        convs["refund"].pk
    ]
    assert search(acme.owner, acme.business, "charged parcel") == []
    assert [h.conversation_id for h in search(acme.owner, acme.business, "SHIPP")] == [
        convs["shipping"].pk
    ]
    # Query syntax never reaches the engine: quotes, operators and stars are just text.
    for odd in ['"refund', "refund OR", "NEAR(x", "*", "refund:*&!", "'; DROP TABLE x; --"]:
        search(acme.owner, acme.business, odd)


def test_customers_by_name_or_email_and_conversations_by_id(acme, convs):
    by_name = search(acme.owner, acme.business, "sam")
    assert [(h.conversation_id, h.matched) for h in by_name] == [(convs["refund"].pk, "customer")]
    assert "<mark>Sam</mark> Buyer" in by_name[0].snippet
    by_email = search(acme.owner, acme.business, "rita@x")
    assert [h.conversation_id for h in by_email] == [convs["shipping"].pk]
    by_id = search(acme.owner, acme.business, f"#{convs['shipping'].pk}")
    assert by_id[0].conversation_id == convs["shipping"].pk and by_id[0].matched == "id"


def test_agents_find_only_what_they_may_see(acme, globex, convs):
    actions.do_assign(convs["refund"], acme.other_agent, actor=Actor.of_agent(acme.owner))
    assert search(acme.agent, acme.business, "refund") == []
    assert search(acme.agent, acme.business, str(convs["refund"].pk)) == []
    assert [h.conversation_id for h in search(acme.other_agent, acme.business, "refund")] == [
        convs["refund"].pk
    ]
    assert search(acme.owner, acme.business, str(convs["theirs"].pk)) == []
    assert [h.conversation_id for h in search(globex.owner, globex.business, "refund")] == [
        convs["theirs"].pk
    ]


def test_the_index_follows_new_messages(acme, convs):
    assert search(acme.owner, acme.business, "invoice") == []
    actions.do_post_message(convs["shipping"], sender_type="customer", content="Also my invoice")
    assert [h.conversation_id for h in search(acme.owner, acme.business, "invoice")] == [
        convs["shipping"].pk
    ]


def test_rest_search_and_the_list_filter(acme, globex, convs):
    agent = client_for(acme, "agent")
    body = agent.get("/api/v1/search?q=refund").json()
    assert [r["conversation"]["id"] for r in body["results"]] == [convs["refund"].pk]
    assert "<mark>refund</mark>" in body["results"][0]["snippet"]
    listed = agent.get("/api/v1/conversations?q=shipping&status=open").json()["results"]
    assert [c["id"] for c in listed] == [convs["shipping"].pk]
    assert agent.get("/api/v1/conversations?q=nothing-like-this").json()["results"] == []
    # Another business's conversations are never found, by text or by id.
    assert (
        client_for(globex, "owner").get(f"/api/v1/search?q={convs['refund'].pk}").json()["results"]
        == []
    )
    for query in ("", "?q=", "?q=" + "x" * 201, "?q=a&limit=0", "?q=a&limit=51", "?q=a&page=2"):
        response = agent.get(f"/api/v1/search{query}")
        assert response.status_code == 400, (query, response.content)
        assert set(response.json()) >= {"error", "message", "code"}
    assert_error(agent.get("/api/v1/conversations?query=refund"), 400, "UNKNOWN_PARAMETER")


def test_search_queries_are_bounded(acme, django_assert_max_num_queries):
    for i in range(30):
        customer_says(acme, f"Customer {i}", f"c{i}@x.test", f"refund request number {i}")
    owner = client_for(acme, "owner")
    with django_assert_max_num_queries(10):
        response = owner.get("/api/v1/search?q=refund&limit=50")
    assert len(response.json()["results"]) == 30


def test_a_common_word_pages_newest_first_and_rare_words_reach_old_messages(
    acme, globex, settings, monkeypatch
):
    """PostgreSQL first looks at the newest messages (``RECENT_WINDOW``): a common word is
    answered there; a word only in older messages falls through to the full-text index. Same
    answers on SQLite. Digits or long sentences skip the customer lookup."""
    from search import engine

    monkeypatch.setattr(engine, "RECENT_WINDOW", 30)
    old = customer_says(acme, "Old Timer", "old@x.test", "an ancient zephyrword question")
    convs = [customer_says(acme, f"C {n}", f"c{n}@x.test", f"common hello {n}") for n in range(25)]
    customer_says(globex, "Other", "o@x.test", "common zephyrword")  # another business
    hidden = customer_says(acme, "Taken", "taken@x.test", "common but assigned elsewhere")
    actions.do_assign(hidden, acme.other_agent, actor=Actor.of_agent(acme.owner))
    found = search(acme.owner, acme.business, "common", limit=3)
    assert [h.conversation_id for h in found] == [hidden.pk] + [c.pk for c in convs[::-1][:2]]
    # A plain agent's window holds a conversation they may not see: it is filtered out.
    found = search(acme.agent, acme.business, "common", limit=3)
    assert [h.conversation_id for h in found] == [c.pk for c in convs[::-1][:3]]
    assert [h.conversation_id for h in search(acme.owner, acme.business, "zephyrword")] == [old.pk]
    assert engine.looks_like_a_person("Sam Buyer", ["sam", "buyer"])
    assert engine.looks_like_a_person("c1@x.test", ["c1", "x", "test"])
    assert not engine.looks_like_a_person("order 1042", ["order", "1042"])


def test_a_plain_agents_visibility_subquery_is_not_sorted(acme):
    """The hand-compiled visibility subquery leaves Conversation's default ordering out: with
    it PostgreSQL sorted every visible conversation on each search (bench/README.md)."""
    from search import engine

    sql, _params = engine._visible_sql(acme.agent, acme.business)
    assert "IN (SELECT" in sql and "ORDER BY" not in sql.upper()
    assert engine._visible_sql(acme.owner, acme.business) == ("", ())  # managers see all
