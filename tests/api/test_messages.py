"""Messages: list (newest first, or after an id), idempotent agent sends, read receipts."""

import pytest

from conversations import actions
from conversations.models import Message
from tests.api.conftest import assert_error


def url(conv, suffix=""):
    return f"/api/v1/conversations/{conv.pk}/messages/{suffix}"


@pytest.fixture
def thread(acme):
    conv = acme.start("m0")
    for i in range(1, 5):
        actions.do_post_message(conv, sender_type="customer", content=f"m{i}")
    return conv, list(conv.messages.order_by("id").values_list("id", flat=True))


def test_newest_first_with_cursor(as_agent, thread):
    conv, ids = thread
    first = as_agent.get(url(conv), {"limit": 3}).json()
    assert [m["id"] for m in first["results"]] == ids[::-1][:3]
    rest = as_agent.get(url(conv), {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [m["id"] for m in rest["results"]] == ids[::-1][3:]
    assert rest["next_cursor"] is None
    message = first["results"][0]
    assert message["content"] == "m4" and message["sender_type"] == "customer"


def test_after_an_id_is_oldest_first(as_agent, thread):
    conv, ids = thread
    page = as_agent.get(url(conv), {"after": ids[1], "limit": 2}).json()
    assert [m["id"] for m in page["results"]] == ids[2:4]
    more = as_agent.get(url(conv), {"after": ids[1], "limit": 2, "cursor": page["next_cursor"]})
    assert [m["id"] for m in more.json()["results"]] == ids[4:]


def test_bad_list_parameters(as_agent, thread):
    conv, _ = thread
    assert_error(as_agent.get(url(conv), {"after": "x"}), 400, "VALIDATION_ERROR")
    assert_error(as_agent.get(url(conv), {"cursor": "!!"}), 400, "INVALID_CURSOR")


def test_agent_sends_and_a_retry_with_the_same_key_returns_the_same_message(acme, as_agent):
    conv = acme.start()
    first = as_agent.post(url(conv), {"content": "On it"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = as_agent.post(url(conv), {"content": "On it"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert first.json()["sender_type"] == "agent"
    assert first.json()["sender_agent_id"] == acme.agent.pk
    by_body = as_agent.post(url(conv), {"content": "B", "client_id": "k2"}, format="json")
    by_body_again = as_agent.post(url(conv), {"content": "B", "client_id": "k2"}, format="json")
    assert (by_body.status_code, by_body_again.status_code) == (201, 200)
    assert Message.objects.filter(conversation=conv, sender_type="agent").count() == 2
    conv.refresh_from_db()
    assert conv.first_response_at is not None


def test_api_key_sends_as_itself_or_as_a_named_agent(acme, globex, as_key):
    conv = acme.start()
    r = as_key.post(url(conv), {"content": "x"}, format="json")
    assert r.status_code == 201 and r.json()["sender_agent_id"] is None
    assert Message.objects.get(pk=r.json()["id"]).sender_api_key == acme.api_key
    assert_error(
        as_key.post(url(conv), {"content": "x", "agent_id": globex.agent.pk}, format="json"),
        404,
        "AGENT_NOT_FOUND",
    )
    r = as_key.post(url(conv), {"content": "x", "agent_id": acme.admin.pk}, format="json")
    assert r.status_code == 201 and r.json()["sender_agent_id"] == acme.admin.pk


@pytest.mark.parametrize(
    "body,code",
    [
        ({}, "VALIDATION_ERROR"),
        ({"content": ""}, "VALIDATION_ERROR"),
        ({"content": "   "}, "VALIDATION_ERROR"),
        ({"content": ["x"]}, "VALIDATION_ERROR"),
        ({"content": "x" * 6000}, "CONTENT_TOO_LONG"),
        ({"content": "x", "client_id": "k" * 101}, "VALIDATION_ERROR"),
    ],
)
def test_bad_messages_are_400(acme, as_agent, body, code):
    conv = acme.start()
    assert_error(as_agent.post(url(conv), body, format="json"), 400, code)


def test_mark_read(acme, as_agent, thread):
    conv, ids = thread
    agent_msg, _ = actions.do_post_message(
        conv, sender_type="agent", content="reply", agent=acme.agent
    )
    r = as_agent.post(url(conv, "read"), {"up_to": ids[1]}, format="json")
    assert r.status_code == 200
    assert [x["message_id"] for x in r.json()["receipts"]] == ids[:2]
    r = as_agent.post(url(conv, "read"))
    assert [x["message_id"] for x in r.json()["receipts"]] == ids[2:]
    assert Message.objects.get(pk=agent_msg.pk).read_at is None  # only the customer's
    assert as_agent.post(url(conv, "read")).json() == {"receipts": []}
    assert_error(
        as_agent.post(url(conv, "read"), {"up_to": "x"}, format="json"), 400, "VALIDATION_ERROR"
    )
