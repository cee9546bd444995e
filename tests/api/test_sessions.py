"""PocketPing-style sessions: the seed's camelCase shapes over the same conversations."""

import pytest

from conversations import actions
from conversations.actions import Actor
from conversations.models import Message
from conversations.snapshots import sender_display_name
from tests.api.conftest import assert_error

SESSION_KEYS = {"id", "visitorId", "projectId", "status", "createdAt", "lastActivity", "metadata"}


def test_list_and_get_sessions_in_the_seed_shape(acme, as_key):
    conv = acme.start("hi", metadata={"page_url": "https://acme.test/pricing", "user_agent": "UA"})
    closed = acme.start("bye")
    actions.do_resolve(closed, actor=Actor.system())
    body = as_key.get("/api/v1/sessions").json()
    assert set(body) == {"sessions", "nextCursor"}
    first = body["sessions"][0]
    assert first["id"] == str(closed.pk) and first["status"] == "closed"
    session = body["sessions"][1]
    assert set(session) >= SESSION_KEYS
    assert session["id"] == str(conv.pk)
    assert session["visitorId"] == str(acme.customer.pk)
    assert session["projectId"] == acme.business.public_id
    assert session["status"] == "active"
    assert session["metadata"] == {"pageUrl": "https://acme.test/pricing", "userAgent": "UA"}
    assert session["createdAt"].endswith("Z")
    assert as_key.get(f"/api/v1/sessions/{conv.pk}").json() == session
    active = as_key.get("/api/v1/sessions", {"status": "active"}).json()["sessions"]
    assert [s["id"] for s in active] == [str(conv.pk)]
    done = as_key.get("/api/v1/sessions/", {"status": "closed"}).json()["sessions"]
    assert [s["id"] for s in done] == [str(closed.pk)]


@pytest.mark.parametrize(
    "method,suffix",
    [
        ("get", ""),
        ("post", "/close"),
        ("get", "/messages"),
        ("post", "/messages"),
        ("post", "/identify"),
        ("post", "/ai"),
    ],
)
@pytest.mark.parametrize("session_id", ["999999", "sess_abc", "0"])
def test_unknown_session_is_session_not_found(as_key, method, suffix, session_id):
    r = getattr(as_key, method)(f"/api/v1/sessions/{session_id}{suffix}", {}, format="json")
    body = assert_error(r, 404, "SESSION_NOT_FOUND")
    assert body == {
        "error": "Not found",
        "message": "Session not found",
        "code": "SESSION_NOT_FOUND",
    }


def test_close_session(acme, as_key):
    conv = acme.start()
    r = as_key.post(f"/api/v1/sessions/{conv.pk}/close")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert r.json()["conversationStatus"] == "closed"
    assert_error(as_key.post(f"/api/v1/sessions/{conv.pk}/close"), 409, "INVALID_STATUS_TRANSITION")


def test_messages_of_every_type(acme, as_key, as_agent):
    conv = acme.start("Hello, I have a question")
    url = f"/api/v1/sessions/{conv.pk}/messages"
    assert (
        as_agent.post(url, {"content": "Hi! How can I help?", "type": "operator"}).status_code
        == 201
    )
    r = as_key.post(url, {"content": "op", "type": "operator", "agentId": acme.agent.pk})
    assert r.status_code == 201
    assert as_key.post(url, {"content": "bot", "type": "ai"}).status_code == 201
    assert as_key.post(url, {"content": "Session noted", "type": "system"}).status_code == 201
    assert as_key.post(url, {"content": "me again", "type": "visitor"}).status_code == 201
    messages = as_key.get(url).json()["messages"]
    assert [m["type"] for m in messages] == [
        "visitor",
        "operator",
        "operator",
        "ai",
        "system",
        "visitor",
    ]
    assert set(messages[0]) >= {"id", "sessionId", "content", "type", "createdAt"}
    assert messages[0]["sessionId"] == str(conv.pk) and messages[0]["content"].startswith("Hello")
    ai = Message.objects.get(content="bot")
    assert ai.sender_type == "system" and ai.is_ai
    after = as_key.get(url, {"after": messages[3]["id"]}).json()["messages"]
    assert [m["content"] for m in after] == ["Session noted", "me again"]
    assert_error(as_key.post(url, {"content": "x", "type": "robot"}), 400, "VALIDATION_ERROR")


def test_message_send_is_idempotent(acme, as_agent):
    conv = acme.start()
    url = f"/api/v1/sessions/{conv.pk}/messages"
    a = as_agent.post(url, {"content": "x", "clientId": "c1"}, format="json")
    b = as_agent.post(url, {"content": "x", "clientId": "c1"}, format="json")
    assert (a.status_code, b.status_code) == (201, 200) and a.json()["id"] == b.json()["id"]


def test_identify(acme, as_key):
    conv = acme.start()
    body = {
        "email": "user@example.com",
        "name": "John Doe",
        "customerId": "cust_123",
        "metadata": {"plan": "pro", "company": "Acme Inc"},
    }
    r = as_key.post(f"/api/v1/sessions/{conv.pk}/identify", body, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["customerId"] == "cust_123" and r.json()["email"] == "user@example.com"
    acme.customer.refresh_from_db()
    assert acme.customer.name == "John Doe" and acme.customer.metadata["plan"] == "pro"
    assert_error(
        as_key.post(f"/api/v1/sessions/{conv.pk}/identify", {"email": "nope"}, format="json"),
        400,
        "VALIDATION_ERROR",
    )


def test_ai_toggle(acme, as_key):
    conv = acme.start()
    r = as_key.post(f"/api/v1/sessions/{conv.pk}/ai", {"enabled": True}, format="json")
    assert r.json()["aiEnabled"] is True
    r = as_key.post(f"/api/v1/sessions/{conv.pk}/ai", {"enabled": False}, format="json")
    assert r.json()["aiEnabled"] is False
    assert_error(
        as_key.post(f"/api/v1/sessions/{conv.pk}/ai", {}, format="json"), 400, "VALIDATION_ERROR"
    )


def test_the_seeds_operator_send_works_verbatim_with_an_api_key(acme, as_key, as_agent):
    """pocketping-rest-api: POST /sessions/:id/messages {"content", "type": "operator"}."""
    conv = acme.start("Hello")
    url = f"/api/v1/sessions/{conv.pk}/messages"
    r = as_key.post(url, {"content": "Thanks for reaching out!", "type": "operator"}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["type"] == "operator" and r.json()["content"] == "Thanks for reaching out!"
    sent = Message.objects.get(pk=r.json()["id"])
    # The key is the sender, shown by its name; it takes nothing over but answers first.
    assert sent.sender_agent is None and sent.sender_api_key == acme.api_key
    assert sender_display_name(sent) == "test key"
    listed = as_agent.get(f"/api/v1/conversations/{conv.pk}/messages/").json()["results"]
    assert [m["sender_api_key_id"] for m in listed if m["id"] == sent.pk] == [acme.api_key.pk]
    conv.refresh_from_db()
    assert conv.assignee is None and conv.first_response_at is not None

    # Naming the agent: agentId, or agent_id (the conversations API's spelling).
    for field in ("agentId", "agent_id"):
        r = as_key.post(url, {"content": field, "type": "operator", field: acme.agent.pk})
        assert r.status_code == 201
        assert Message.objects.get(pk=r.json()["id"]).sender_agent == acme.agent
    both = {"content": "x", "type": "operator", "agentId": acme.agent.pk, "agent_id": acme.admin.pk}
    assert assert_error(as_key.post(url, both), 400, "VALIDATION_ERROR")["message"].startswith(
        "agentId"
    )
    assert_error(
        as_key.post(url, {"content": "x", "type": "operator", "agentId": 10**9}),
        404,
        "AGENT_NOT_FOUND",
    )
