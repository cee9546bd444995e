"""The inbox pages through Django's test client: every view, its input checks and isolation."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from rest_framework_simplejwt.tokens import AccessToken

from conversations import actions
from conversations.actions import Actor
from conversations.events import EventType
from conversations.models import Agent, Conversation, EventLog, Message
from inbox.session import SESSION_KEY
from tests.conftest import PASSWORD

JSON = {"HTTP_ACCEPT": "application/json"}


def login(client, agent) -> Client:
    client.force_login(agent.user)
    return client


def url(name, *args):
    return reverse(f"inbox:{name}", args=args)


@pytest.fixture
def as_agent(client, acme):
    return login(client, acme.agent)


@pytest.fixture
def as_owner(client, acme):
    return login(client, acme.owner)


# --- login, logout, business -----------------------------------------------------------------


def test_login_with_email_and_password_lands_in_the_inbox(client, acme):
    page = client.get(url("login"))
    assert page.status_code == 200
    assert b"csrfmiddlewaretoken" in page.content
    response = client.post(url("login"), {"username": acme.agent.user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/inbox/"
    assert client.get("/inbox/").status_code == 200


def test_wrong_password_shows_an_error_and_stays_logged_out(client, acme):
    response = client.post(url("login"), {"username": acme.agent.user.email, "password": "nope"})
    assert response.status_code == 200
    assert b"Wrong email or password" in response.content
    assert client.get("/inbox/").status_code == 302


def test_anonymous_visitors_are_sent_to_the_login_page(client, acme):
    conv = acme.start()
    for path in ["/inbox/", url("conversation", conv.pk)]:
        response = client.get(path)
        assert response.status_code == 302
        assert response.url.startswith("/inbox/login/?next=")
    assert client.post(url("reply", conv.pk), {"content": "x"}).status_code == 302
    assert Message.objects.filter(conversation=conv).count() == 1


def test_logout_is_a_post_with_csrf(acme):
    client = Client(enforce_csrf_checks=True)
    login(client, acme.agent)
    assert client.post(url("logout")).status_code == 403
    page = client.get("/inbox/")
    token = page.cookies["csrftoken"].value
    response = client.post(url("logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert client.get("/inbox/").status_code == 302


def test_a_user_without_a_business_gets_a_clear_403(client, acme):
    """(On a fresh install, with no business at all, /inbox/ leads to /setup/ instead:
    tests/accounts/test_setup.py.)"""
    user = get_user_model().objects.create_user("nobody@x.test", "nobody@x.test", PASSWORD)
    client.force_login(user)
    response = client.get("/inbox/")
    assert response.status_code == 403
    assert b"not an agent of any business" in response.content


@pytest.fixture
def two_jobs(acme, globex):
    """Alice of Acme also works at Globex (as a plain agent)."""
    return actions.add_agent(globex.business, acme.agent.user, Agent.Role.AGENT)


def test_business_switcher_scopes_every_view_to_the_selected_business(
    client, acme, globex, two_jobs
):
    acme_conv = acme.start("acme question")
    globex_conv = globex.start("globex question")
    login(client, acme.agent)
    page = client.get("/inbox/")
    assert b'name="business"' in page.content  # the switcher shows for two memberships
    first = client.session[SESSION_KEY]
    other = globex if first == acme.business.pk else acme
    response = client.post(url("switch_business"), {"business": other.business.public_id})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == other.business.pk
    mine, theirs = (globex_conv, acme_conv) if other is globex else (acme_conv, globex_conv)
    listing = client.get("/inbox/").content.decode()
    assert f'data-conversation-id="{mine.pk}"' in listing
    assert f'data-conversation-id="{theirs.pk}"' not in listing
    assert client.get(url("conversation", theirs.pk)).status_code == 404
    assert client.get(url("conversation", mine.pk)).status_code == 200


def test_switching_to_a_business_you_do_not_work_in_is_a_404(as_agent, globex):
    response = as_agent.post(url("switch_business"), {"business": globex.business.public_id})
    assert response.status_code == 404
    assert as_agent.post(url("switch_business"), {"business": "nope"}).status_code == 404


# --- the list --------------------------------------------------------------------------------


def test_plain_agent_lists_only_unassigned_and_own_conversations(as_agent, acme):
    unassigned = acme.start("free")
    mine = acme.start("mine")
    theirs = acme.start("theirs")
    actions.do_assign(mine, acme.agent, actor=Actor.of_agent(acme.owner))
    actions.do_assign(theirs, acme.other_agent, actor=Actor.of_agent(acme.owner))
    html = as_agent.get("/inbox/").content.decode()
    assert f'data-conversation-id="{unassigned.pk}"' in html
    assert f'data-conversation-id="{mine.pk}"' in html
    assert f'data-conversation-id="{theirs.pk}"' not in html
    assert as_agent.get(url("conversation", theirs.pk)).status_code == 404


def test_owner_lists_everything_newest_activity_first(as_owner, acme):
    old, middle, new = acme.start("a"), acme.start("b"), acme.start("c")
    actions.do_assign(middle, acme.other_agent, actor=Actor.of_agent(acme.owner))
    actions.do_post_message(old, sender_type="customer", content="bump")
    rows = as_owner.get("/inbox/").context["rows"]
    assert [c.pk for c in rows] == [old.pk, new.pk, middle.pk]


def test_filters_by_status_assignee_and_handoff_with_counts(as_owner, acme):
    a = acme.start("a")
    b = acme.start("b")
    c = acme.start("c")
    d = acme.start("d")
    actions.do_assign(a, acme.owner, actor=Actor.of_agent(acme.owner))
    actions.do_set_pending(b, actor=Actor.of_agent(acme.owner))
    actions.do_resolve(c, actor=Actor.of_agent(acme.owner))
    actions.do_request_handoff(d, reason="human please", actor=Actor.ai())

    def ids(query):
        response = as_owner.get("/inbox/", query)
        assert response.status_code == 200
        return {conv.pk for conv in response.context["rows"]}, response.context["counts"]

    got, counts = ids({})
    assert got == {a.pk, d.pk}  # open by default
    assert (counts["open"], counts["pending"], counts["resolved"], counts["closed"]) == (2, 1, 1, 0)
    assert (counts["me"], counts["unassigned"], counts["handoff"], counts["all"]) == (1, 1, 1, 4)
    assert ids({"status": "pending"})[0] == {b.pk}
    assert ids({"status": "resolved"})[0] == {c.pk}
    assert ids({"status": "closed"})[0] == set()
    assert ids({"status": "all"})[0] == {a.pk, b.pk, c.pk, d.pk}
    assert ids({"assignee": "me"})[0] == {a.pk}
    assert ids({"assignee": "unassigned"})[0] == {d.pk}
    assert ids({"assignee": str(acme.owner.pk), "status": "all"})[0] == {a.pk}
    got, counts = ids({"handoff": "1", "status": "all"})
    assert got == {d.pk}
    assert counts["open"] == 1 and counts["pending"] == 0


@pytest.mark.parametrize(
    "query",
    [{"status": "bogus"}, {"assignee": "someone"}, {"cursor": "x_y"}, {"cursor": "1" * 30}],
)
def test_bad_filters_answer_400(as_owner, acme, query):
    assert as_owner.get("/inbox/", query).status_code == 400


def test_filtering_by_a_foreign_agent_is_a_404(as_owner, acme, globex):
    assert as_owner.get("/inbox/", {"assignee": str(globex.agent.pk)}).status_code == 404


def test_pages_are_keyset_paginated(as_owner, acme, monkeypatch):
    from inbox import queries

    monkeypatch.setattr(queries, "PAGE_SIZE", 3)
    convs = [acme.start(f"q{i}") for i in range(7)]
    expected = [c.pk for c in reversed(convs)]
    seen, query = [], {}
    while True:
        response = as_owner.get("/inbox/", query)
        seen += [c.pk for c in response.context["rows"]]
        cursor = response.context["next_cursor"]
        if not cursor:
            break
        assert 'rel="next"' in response.content.decode()
        query = {"cursor": cursor}
    assert seen == expected


def test_fragment_is_the_list_alone_for_live_refresh(as_agent, acme):
    conv = acme.start("<b>bold?</b>")
    response = as_agent.get("/inbox/", {"fragment": "1", "status": "open"})
    html = response.content.decode()
    assert "<html" not in html
    assert f'data-conversation-id="{conv.pk}"' in html
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html
    assert "fragment=" not in html  # filter links lead to full pages


# --- the conversation ------------------------------------------------------------------------


def test_reading_a_conversation_is_a_post_not_a_side_effect_of_get(as_agent, acme):
    conv = acme.start("first")
    actions.do_post_message(conv, sender_type="customer", content="second")
    actions.do_post_message(conv, sender_type="agent", content="answer", agent=acme.agent)
    response = as_agent.get(url("conversation", conv.pk))
    assert response.status_code == 200
    assert not any(m.read_at for m in Message.objects.filter(conversation=conv))
    assert as_agent.post(url("read", conv.pk), **JSON).status_code == 200
    customer_msgs = Message.objects.filter(conversation=conv, sender_type="customer")
    assert all(m.read_at for m in customer_msgs)
    assert Message.objects.get(conversation=conv, sender_type="agent").read_at is None
    read = EventLog.objects.filter(type=EventType.MESSAGES_READ).last()
    assert read.data["reader"] == "agent"


def test_conversation_shows_details_senders_and_receipts(as_owner, acme):
    conv = acme.start("hello")
    reply, _ = actions.do_post_message(
        conv, sender_type="agent", content="hi back", agent=acme.agent
    )
    actions.do_post_message(conv, sender_type="system", content="I can help", is_ai=True)
    actions.do_mark_read(conv, reader="customer", up_to_id=reply.pk)
    html = as_owner.get(url("conversation", conv.pk)).content.decode()
    assert acme.customer.email in html
    assert "Webchat" in html
    assert "msg-visitor" in html and "msg-operator" in html and "msg-ai" in html
    assert "AI assistant" in html
    assert "receipt-read" in html


def test_message_content_is_escaped(as_agent, acme):
    evil = "<img src=x onerror=alert(1)> <script>alert(1)</script>"
    conv = acme.start(evil)
    html = as_agent.get(url("conversation", conv.pk)).content.decode()
    assert "<img src=x" not in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    listing = as_agent.get("/inbox/").content.decode()
    assert "<img src=x" not in listing


def test_foreign_and_unknown_conversations_are_404_everywhere(as_agent, acme, globex):
    foreign = globex.start("secret")
    for conv_id in (foreign.pk, 999999):
        assert as_agent.get(url("conversation", conv_id)).status_code == 404
        assert as_agent.get(url("messages", conv_id)).status_code == 404
        for name, data in [
            ("reply", {"content": "hi"}),
            ("read", {}),
            ("assign", {"assignee": "me"}),
            ("status", {"action": "resolve"}),
            ("clear_handoff", {}),
        ]:
            assert as_agent.post(url(name, conv_id), data).status_code == 404, name
    foreign.refresh_from_db()
    assert foreign.status == "open" and foreign.assignee is None
    assert foreign.message_count == 1


def test_reply_without_js_redirects_back_to_the_conversation(as_agent, acme):
    conv = acme.start()
    response = as_agent.post(url("reply", conv.pk), {"content": "On it!"})
    assert response.status_code == 302
    assert response.url == url("conversation", conv.pk) + "#composer"
    msg = Message.objects.filter(conversation=conv).last()
    assert (msg.sender_type, msg.sender_agent, msg.content) == ("agent", acme.agent, "On it!")


def test_reply_with_fetch_is_idempotent_on_client_id(as_agent, acme):
    conv = acme.start()
    data = {"content": "once", "client_id": "c-123"}
    first = as_agent.post(url("reply", conv.pk), data, **JSON)
    assert first.status_code == 201
    again = as_agent.post(url("reply", conv.pk), data, **JSON)
    assert again.status_code == 200
    assert first.json()["message"]["id"] == again.json()["message"]["id"]
    assert first.json()["message"]["client_id"] == "c-123"
    assert Message.objects.filter(conversation=conv, content="once").count() == 1


@pytest.mark.parametrize(
    "data",
    [{}, {"content": "   "}, {"content": "x" * 5001}, {"content": "ok", "client_id": "c" * 101}],
)
def test_bad_replies_are_refused_with_a_message(as_agent, acme, data):
    conv = acme.start()
    response = as_agent.post(url("reply", conv.pk), data, **JSON)
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    plain = as_agent.post(url("reply", conv.pk), data, follow=True)
    assert plain.status_code == 200
    assert "flash-error" in plain.content.decode()
    assert Message.objects.filter(conversation=conv).count() == 1


def test_every_form_needs_csrf(acme):
    conv = acme.start()
    client = Client(enforce_csrf_checks=True)
    login(client, acme.owner)
    for name, args, data in [
        ("reply", [conv.pk], {"content": "hi"}),
        ("read", [conv.pk], {}),
        ("assign", [conv.pk], {"assignee": "me"}),
        ("status", [conv.pk], {"action": "resolve"}),
        ("clear_handoff", [conv.pk], {}),
        ("agent_status", [], {"status": "away"}),
        ("switch_business", [], {"business": acme.business.public_id}),
    ]:
        assert client.post(url(name, *args), data).status_code == 403, name
    page = client.get(url("conversation", conv.pk))
    token = page.cookies["csrftoken"].value
    ok = client.post(url("reply", conv.pk), {"content": "hi", "csrfmiddlewaretoken": token})
    assert ok.status_code == 302
    conv.refresh_from_db()
    assert conv.message_count == 2


def test_messages_json_resumes_after_a_cursor(as_agent, acme):
    conv = acme.start("one")
    two, _ = actions.do_post_message(conv, sender_type="customer", content="two")
    first = Message.objects.filter(conversation=conv).first()
    data = as_agent.get(url("messages", conv.pk), {"after": first.pk}).json()
    assert [m["id"] for m in data["messages"]] == [two.pk]
    assert len(as_agent.get(url("messages", conv.pk)).json()["messages"]) == 2
    assert as_agent.get(url("messages", conv.pk), {"after": "abc"}).status_code == 400


def test_mark_read_up_to_a_message(as_agent, acme):
    conv = acme.start("one")
    newer, _ = actions.do_post_message(conv, sender_type="customer", content="two")
    first = Message.objects.filter(conversation=conv).first()
    response = as_agent.post(url("read", conv.pk), {"up_to_id": first.pk}, **JSON)
    assert [r["message_id"] for r in response.json()["receipts"]] == [first.pk]
    newer.refresh_from_db()
    assert newer.read_at is None
    assert as_agent.post(url("read", conv.pk), {"up_to_id": "x"}, **JSON).status_code == 400


# --- assignment, status, handoff -------------------------------------------------------------


def test_assign_to_me_then_to_another_agent_then_unassign(as_owner, acme):
    conv = acme.start()
    response = as_owner.post(url("assign", conv.pk), {"assignee": "me"})
    assert response.url == url("conversation", conv.pk)
    conv.refresh_from_db()
    assert conv.assignee == acme.owner
    as_owner.post(url("assign", conv.pk), {"assignee": str(acme.agent.pk)})
    conv.refresh_from_db()
    assert conv.assignee == acme.agent
    data = as_owner.post(url("assign", conv.pk), {"assignee": ""}, **JSON).json()
    assert data["conversation"]["assignee_id"] is None
    conv.refresh_from_db()
    assert conv.assignee is None


def test_assigning_to_a_foreign_or_bad_agent_fails(as_owner, acme, globex):
    conv = acme.start()
    assert (
        as_owner.post(url("assign", conv.pk), {"assignee": str(globex.agent.pk)}).status_code == 404
    )
    assert as_owner.post(url("assign", conv.pk), {"assignee": "bob"}, **JSON).status_code == 400
    conv.refresh_from_db()
    assert conv.assignee is None


def test_plain_agent_handing_over_goes_back_to_the_list(as_agent, acme):
    conv = acme.start()
    response = as_agent.post(url("assign", conv.pk), {"assignee": str(acme.other_agent.pk)})
    assert response.status_code == 302
    assert response.url == "/inbox/"
    assert as_agent.get(url("conversation", conv.pk)).status_code == 404


@pytest.mark.parametrize(
    "steps,final",
    [
        (["resolve"], "resolved"),
        (["close"], "closed"),
        (["pending"], "pending"),
        (["pending", "open"], "open"),
        (["resolve", "reopen"], "open"),
        (["close", "reopen"], "open"),
    ],
)
def test_status_buttons(as_agent, acme, steps, final):
    conv = acme.start()
    for step in steps:
        response = as_agent.post(url("status", conv.pk), {"action": step})
        assert response.status_code == 302
    conv.refresh_from_db()
    assert conv.status == final


def test_refused_status_changes_explain_why(as_agent, acme):
    conv = acme.start()
    response = as_agent.post(url("status", conv.pk), {"action": "reopen"}, **JSON)
    assert response.status_code == 409
    assert response.json()["code"] == "INVALID_STATUS_TRANSITION"
    page = as_agent.post(url("status", conv.pk), {"action": "reopen"}, follow=True)
    assert "flash-error" in page.content.decode()
    assert as_agent.post(url("status", conv.pk), {"action": "explode"}, **JSON).status_code == 400
    conv.refresh_from_db()
    assert conv.status == "open"


def test_clear_handoff(as_agent, acme):
    conv = acme.start()
    actions.do_request_handoff(conv, reason="needs a human", actor=Actor.ai())
    html = as_agent.get(url("conversation", conv.pk)).content.decode()
    assert 'data-action="clear-handoff"' in html
    as_agent.post(url("clear_handoff", conv.pk))
    conv.refresh_from_db()
    assert conv.needs_human_handoff is False
    assert EventLog.objects.last().type == EventType.CONVERSATION_HANDOFF_CLEARED


def test_ai_toggle_turns_the_assistant_on_and_off(as_agent, acme, globex):
    conv = acme.start()
    assert 'data-action="toggle-ai"' in as_agent.get(url("conversation", conv.pk)).content.decode()
    as_agent.post(url("toggle_ai", conv.pk), {"enabled": "true"})
    conv.refresh_from_db()
    assert conv.ai_enabled is True
    assert EventLog.objects.last().type == EventType.CONVERSATION_AI_TOGGLED
    response = as_agent.post(url("toggle_ai", conv.pk), {"enabled": "false"}, **JSON)
    assert response.json()["conversation"]["ai_enabled"] is False
    assert as_agent.post(url("toggle_ai", conv.pk), {"enabled": "yes"}, **JSON).status_code == 400
    assert (
        as_agent.post(url("toggle_ai", globex.start().pk), {"enabled": "true"}).status_code == 404
    )


# --- presence and realtime token -------------------------------------------------------------


def test_agent_status_control(as_agent, acme, monkeypatch):
    from conversations import presence

    monkeypatch.setattr(presence, "_registry", presence.MemoryRegistry())
    presence.connected(acme.agent, "an-inbox-tab")
    actions.do_set_agent_status(acme.agent, "offline")
    response = as_agent.post(
        url("agent_status"), {"status": "online", "next": "/inbox/?status=all"}
    )
    assert response.url == "/inbox/?status=all"
    acme.agent.refresh_from_db()
    assert acme.agent.status == "online"
    assert EventLog.objects.last().type == EventType.AGENT_STATUS_CHANGED
    data = as_agent.post(url("agent_status"), {"status": "away"}, **JSON).json()
    assert data["agent"]["status"] == "away"
    assert as_agent.post(url("agent_status"), {"status": "asleep"}, **JSON).status_code == 400
    evil_next = as_agent.post(
        url("agent_status"), {"status": "offline", "next": "https://evil.test/"}
    )
    assert evil_next.url == "/inbox/"


def test_pages_carry_a_jwt_for_the_logged_in_user(as_agent, acme):
    page = as_agent.get("/inbox/")
    token = AccessToken(page.context["realtime_token"])
    assert str(token["user_id"]) == str(acme.agent.user_id)
    fresh = as_agent.get(url("token")).json()["token"]
    assert str(AccessToken(fresh)["user_id"]) == str(acme.agent.user_id)


# --- widget demo page and static assets ------------------------------------------------------


def test_widget_demo_page_embeds_the_demo_business(client, db):
    assert client.get("/widget/demo/").status_code == 404
    from conversations.demo import ensure_demo

    demo = ensure_demo()
    html = client.get("/widget/demo/").content.decode()
    assert f'data-business-id="{demo.business.public_id}"' in html
    assert "/static/widget/widget.js" in html


@pytest.mark.parametrize(
    "path",
    [
        "/static/widget/widget.js",
        "/static/widget/widget.css",
        "/static/vendor/socket.io.min.js",
        "/static/inbox/inbox.js",
        "/static/inbox/inbox.css",
    ],
)
def test_assets_are_served_by_pingback_itself(client, path):
    response = client.get(path)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert len(body) > 500


def test_vendored_socketio_client_names_its_version_and_license(client):
    from pathlib import Path

    head = (Path(__file__).resolve().parents[2] / "static/vendor/socket.io.min.js").read_text()[
        :600
    ]
    assert "socket.io-client@4.8.4" in head
    assert "MIT License" in head


# --- query counts with 1,000 conversations ---------------------------------------------------


@pytest.fixture
def thousand(acme):
    """1,000 conversations in Acme (bulk-inserted: this checks reads, not actions)."""
    from django.utils import timezone

    now = timezone.now()
    customers = [acme.customer]
    rows = [
        Conversation(
            business=acme.business,
            customer=customers[0],
            status=["open", "pending", "resolved", "closed"][i % 4],
            assignee=[None, acme.agent, acme.other_agent, acme.owner][i % 4 if i % 3 else 0],
            needs_human_handoff=i % 7 == 0,
            last_activity_at=now,
            last_message_text=f"question {i}",
            message_count=1,
        )
        for i in range(1000)
    ]
    Conversation.objects.bulk_create(rows)
    conv = acme.start("the one we open")
    for i in range(30):
        actions.do_post_message(conv, sender_type="customer", content=f"line {i}")
    return conv


@pytest.mark.parametrize("who", ["owner", "agent"])
def test_inbox_pages_have_bounded_queries_with_1000_conversations(
    client, acme, thousand, who, django_assert_max_num_queries
):
    login(client, getattr(acme, who))
    client.get("/inbox/")  # session set-up
    for query in [{}, {"status": "all"}, {"assignee": "me"}, {"handoff": "1", "status": "all"}]:
        # 12: the rows' labels and the business's labels (filter) are one query each.
        with django_assert_max_num_queries(12):
            response = client.get("/inbox/", query)
        assert response.status_code == 200
    cursor = client.get("/inbox/", {"status": "all"}).context["next_cursor"]
    with django_assert_max_num_queries(12):
        assert client.get("/inbox/", {"status": "all", "cursor": cursor}).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/inbox/", {"fragment": "1"}).status_code == 200
    # Opening a conversation reads nothing (the page posts its read mark).
    # 18: the profile panel's past conversations and possible duplicates (teamtools).
    for _ in range(2):
        with django_assert_max_num_queries(18):
            response = client.get(url("conversation", thousand.pk))
        assert response.status_code == 200
    with django_assert_max_num_queries(8):
        data = client.get(url("messages", thousand.pk)).content
    assert len(json.loads(data)["messages"]) == 31


def test_widget_availability_lists_agent_presence_of_that_business_only(
    client, acme, globex, monkeypatch
):
    from conversations import presence

    monkeypatch.setattr(presence, "_registry", presence.MemoryRegistry())
    presence.connected(acme.agent, "an-inbox-tab")
    response = client.get("/widget/availability/", {"business_id": acme.business.public_id})
    assert response["Access-Control-Allow-Origin"] == "*"
    agents = {a["agent_id"]: a["status"] for a in response.json()["agents"]}
    assert agents[acme.agent.pk] == "online"
    assert agents[acme.owner.pk] == "offline"
    assert globex.agent.pk not in agents
    assert client.get("/widget/availability/", {"business_id": "nope"}).status_code == 404
    assert client.get("/widget/availability/").status_code == 404
