"""Conversations: list/filter/paginate, retrieve, create, status changes, assignment, handoff."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations import actions
from conversations.actions import Actor
from conversations.models import Conversation, EventLog
from tests.api.conftest import assert_error, assign, client_for

URL = "/api/v1/conversations/"


def ids(response):
    assert response.status_code == 200, response.content
    return [c["id"] for c in response.json()["results"]]


def test_list_is_newest_activity_first_and_cursor_paginated(acme, as_key):
    convs = [acme.start(f"hello {i}") for i in range(5)]
    # Activity on the oldest moves it to the top.
    actions.do_post_message(convs[0], sender_type="customer", content="again")
    expected = [convs[0].pk, *[c.pk for c in reversed(convs[1:])]]
    first = as_key.get(URL, {"limit": 2}).json()
    assert [c["id"] for c in first["results"]] == expected[:2]
    assert first["next"].startswith("http://testserver/api/v1/conversations/?")
    second = as_key.get(URL, {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = as_key.get(URL, {"limit": 2, "cursor": second["next_cursor"]}).json()
    assert [c["id"] for c in second["results"] + third["results"]] == expected[2:]
    assert third["next_cursor"] is None and third["next"] is None


def test_list_renders_the_conversation(acme, as_key):
    conv = acme.start("where is my order?", metadata={"page_url": "https://acme.test/x"})
    item = as_key.get(URL).json()["results"][0]
    assert item["id"] == conv.pk
    assert item["customer"]["email"] == acme.customer.email
    assert item["status"] == "open" and item["channel_type"] == "webchat"
    assert item["assignee"] is None and item["needs_human_handoff"] is False
    assert item["last_message_text"] == "where is my order?"
    assert item["metadata"] == {"page_url": "https://acme.test/x"}


@pytest.fixture
def mixed(acme):
    other = actions.create_customer(acme.business, name="Other", email="other@x.test")
    a = acme.start("a")
    b = acme.start("b", customer=other, channel_type="email")
    c = acme.start("c")
    assign(acme, a, acme.agent)
    assign(acme, b, acme.other_agent)
    actions.do_resolve(c, actor=Actor.system())
    actions.do_request_handoff(b, reason="angry", actor=Actor.ai())
    return {"a": a, "b": b, "c": c, "other": other}


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"status": "resolved"}, ["c"]),
        ({"status": "open"}, ["b", "a"]),
        ({"unassigned": "true"}, ["c"]),
        ({"unassigned": "false"}, ["b", "a"]),
        ({"needs_human_handoff": "true"}, ["b"]),
        ({"channel": "email"}, ["b"]),
        ({"status": "open", "channel": "webchat"}, ["a"]),
    ],
)
def test_filters(acme, as_key, mixed, params, expected):
    assert ids(as_key.get(URL, params)) == [mixed[k].pk for k in expected]


def test_filter_by_assignee_customer_and_update_time(acme, as_key, as_agent, mixed):
    assert ids(as_key.get(URL, {"assignee": acme.other_agent.pk})) == [mixed["b"].pk]
    assert ids(as_agent.get(URL, {"assignee": "me"})) == [mixed["a"].pk]
    assert ids(as_key.get(URL, {"customer": mixed["other"].pk})) == [mixed["b"].pk]
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    assert ids(as_key.get(URL, {"updated_since": future})) == []
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    assert len(ids(as_key.get(URL, {"updated_since": past}))) == 3


def test_assignee_me_needs_an_agent_token(as_key, mixed):
    assert_error(as_key.get(URL, {"assignee": "me"}), 400, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    "params",
    [
        {"status": "sleeping"},
        {"assignee": "bob"},
        {"unassigned": "maybe"},
        {"channel": "pigeon"},
        {"customer": "x"},
        {"updated_since": "yesterday"},
        {"limit": "0"},
        {"limit": "1000"},
    ],
)
def test_bad_filters_are_validation_errors(as_key, params):
    body = assert_error(as_key.get(URL, params), 400, "VALIDATION_ERROR")
    assert set(body["details"]) == set(params)


@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyJ4IiwxXQ"])
def test_bad_cursor_is_400(as_key, cursor):
    assert_error(as_key.get(URL, {"cursor": cursor}), 400, "INVALID_CURSOR")


def test_plain_agent_sees_own_and_unassigned_only(acme, mixed):
    for who, visible in [
        ("agent", ["c", "a"]),
        ("other_agent", ["c", "b"]),
        ("admin", ["c", "b", "a"]),
        ("owner", ["c", "b", "a"]),
        ("key", ["c", "b", "a"]),
    ]:
        client = client_for(acme, who)
        assert ids(client.get(URL)) == [mixed[k].pk for k in visible], who
    hidden = mixed["b"].pk
    agent = client_for(acme, "agent")
    assert_error(agent.get(f"{URL}{hidden}/"), 404, "CONVERSATION_NOT_FOUND")
    assert_error(agent.put(f"{URL}{hidden}/resolve"), 404, "CONVERSATION_NOT_FOUND")
    assert_error(agent.get(f"{URL}{hidden}/messages/"), 404, "CONVERSATION_NOT_FOUND")
    assert ids(agent.get(f"{URL}handoffs/")) == []


def test_retrieve(acme, as_agent):
    conv = acme.start()
    r = as_agent.get(f"{URL}{conv.pk}/")
    assert r.status_code == 200 and r.json()["id"] == conv.pk
    assert_error(as_agent.get(f"{URL}999999/"), 404, "CONVERSATION_NOT_FOUND")
    assert_error(as_agent.get(f"{URL}abc/"), 404, "CONVERSATION_NOT_FOUND")


def test_agent_starts_a_conversation_with_an_opening_message(
    acme, as_agent, captured_events, django_capture_on_commit_callbacks
):
    from customer_channels.actions import create_channel

    # The message must reach the customer: through the business's email channel.
    create_channel(acme.business, kind="email", settings={"address": "support@acme.test"})
    with django_capture_on_commit_callbacks(execute=True):
        r = as_agent.post(
            URL,
            {"customer_id": acme.customer.pk, "channel_type": "email", "message": "Hi, about X"},
            format="json",
        )
    assert r.status_code == 201, r.content
    conv = Conversation.objects.get(pk=r.json()["id"])
    assert conv.channel_type == "email" and conv.message_count == 1
    msg = conv.messages.get()
    assert msg.sender_type == "agent" and msg.sender_agent == acme.agent
    assert {e.type for e in captured_events} >= {"conversation.created", "message.created"}


def test_start_is_idempotent_on_client_id(acme, as_agent):
    body = {"customer_id": acme.customer.pk, "message": "once", "client_id": "c-1"}
    first = as_agent.post(URL, body, format="json")
    again = as_agent.post(URL, body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Conversation.objects.filter(business=acme.business).count() == 1


def test_api_key_starts_a_conversation_without_or_with_a_named_agent(acme, as_key):
    r = as_key.post(URL, {"customer_id": acme.customer.pk}, format="json")
    assert r.status_code == 201 and r.json()["channel_type"] == "api"
    assert r.json()["message_count"] == 0
    no_agent = as_key.post(URL, {"customer_id": acme.customer.pk, "message": "x"}, format="json")
    assert no_agent.status_code == 201, no_agent.content  # the key writes the opening message
    opening = Conversation.objects.get(pk=no_agent.json()["id"]).messages.get()
    assert opening.sender_agent is None and opening.sender_api_key == acme.api_key
    ok = as_key.post(
        URL,
        {"customer_id": acme.customer.pk, "message": "x", "agent_id": acme.admin.pk},
        format="json",
    )
    assert ok.status_code == 201
    assert Conversation.objects.get(pk=ok.json()["id"]).messages.get().sender_agent == acme.admin
    # The agent writes; the key acted (docs/api.md): the event records the key.
    created = EventLog.objects.filter(type="conversation.created").latest("id")
    assert created.data["actor"] == {"type": "api_key", "id": acme.api_key.pk, "name": "test key"}


def test_start_errors(acme, globex, as_agent):
    assert_error(as_agent.post(URL, {}, format="json"), 400, "VALIDATION_ERROR")
    assert_error(
        as_agent.post(URL, {"customer_id": globex.customer.pk}, format="json"),
        404,
        "CUSTOMER_NOT_FOUND",
    )
    assert_error(
        as_agent.post(
            URL, {"customer_id": acme.customer.pk, "assignee_id": globex.agent.pk}, format="json"
        ),
        404,
        "AGENT_NOT_FOUND",
    )
    assert_error(
        as_agent.post(URL, {"customer_id": acme.customer.pk, "message": "  "}, format="json"),
        400,
        "VALIDATION_ERROR",
    )


@pytest.mark.parametrize(
    "steps",
    [
        [("resolve", "resolved"), ("reopen", "open"), ("pending", "pending"), ("close", "closed")],
        [("close", "closed"), ("reopen", "open"), ("resolve", "resolved"), ("close", "closed")],
    ],
)
def test_status_changes(acme, as_agent, steps):
    conv = acme.start()
    for action, status in steps:
        r = as_agent.put(f"{URL}{conv.pk}/{action}")
        assert r.status_code == 200, r.content
        assert r.json()["status"] == status
    conv.refresh_from_db()
    assert conv.resolved_at is not None or conv.closed_at is not None


@pytest.mark.parametrize(
    "setup,action",
    [
        ([], "reopen"),
        (["resolve"], "resolve"),
        (["close"], "close"),
        (["close"], "pending"),
        (["close"], "resolve"),
        (["pending"], "pending"),
    ],
)
def test_illegal_transitions_are_409(acme, as_agent, setup, action):
    conv = acme.start()
    for step in setup:
        assert as_agent.put(f"{URL}{conv.pk}/{step}").status_code == 200
    body = assert_error(as_agent.put(f"{URL}{conv.pk}/{action}"), 409, "INVALID_STATUS_TRANSITION")
    assert body["error"] == "Conflict"


def test_status_changes_are_put_only(acme, as_agent):
    conv = acme.start()
    assert_error(as_agent.post(f"{URL}{conv.pk}/resolve"), 405, "METHOD_NOT_ALLOWED")


def test_assign_unassign(acme, as_agent):
    conv = acme.start()
    actions.do_request_handoff(conv, reason="help", actor=Actor.ai())
    r = as_agent.put(f"{URL}{conv.pk}/assign", {"agent_id": acme.agent.pk}, format="json")
    assert r.json()["assignee"]["id"] == acme.agent.pk
    assert r.json()["needs_human_handoff"] is False  # assigning takes over the handoff
    r = as_agent.put(f"{URL}{conv.pk}/assign", {"agent_id": None}, format="json")
    assert r.json()["assignee"] is None
    assign(acme, conv, acme.agent)
    r = as_agent.put(f"{URL}{conv.pk}/unassign")
    assert r.status_code == 200 and r.json()["assignee"] is None


def test_assign_errors(acme, globex, as_agent):
    conv = acme.start()
    url = f"{URL}{conv.pk}/assign"
    assert_error(as_agent.put(url, {}, format="json"), 400, "VALIDATION_ERROR")
    assert_error(as_agent.put(url, {"agent_id": "x"}, format="json"), 400, "VALIDATION_ERROR")
    assert_error(
        as_agent.put(url, {"agent_id": globex.agent.pk}, format="json"), 404, "AGENT_NOT_FOUND"
    )


def test_handoff_flag_clear_and_list(acme, as_agent):
    first, second, _calm = acme.start("1"), acme.start("2"), acme.start("3")
    url = f"{URL}{second.pk}/handoff"
    r = as_agent.put(url, {"reason": "asks for a human"}, format="json")
    assert r.json()["needs_human_handoff"] is True
    assert r.json()["handoff_reason"] == "asks for a human"
    assert as_agent.put(f"{URL}{first.pk}/handoff").status_code == 200
    # Longest waiting first.
    assert ids(as_agent.get(f"{URL}handoffs/")) == [second.pk, first.pk]
    r = as_agent.delete(url)
    assert r.json()["needs_human_handoff"] is False
    assert ids(as_agent.get(f"{URL}handoffs/")) == [first.pk]
    assert_error(as_agent.put(url, {"reason": "x" * 201}, format="json"), 400, "VALIDATION_ERROR")
