"""Decided rules (issue 21, "decide and document"): what plain agents may change."""

import pytest

from conversations import actions
from conversations.actions import Actor
from tests.api.conftest import assert_error, client_for


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.API_ANON_RATE_PER_MINUTE = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_plain_agent_cannot_patch_a_customer_whose_conversations_they_cannot_see(acme):
    conv = acme.start("hi")
    actions.do_assign(conv, acme.other_agent, actor=Actor.system())
    path = f"/api/v1/customers/{acme.customer.pk}"
    r = client_for(acme, "agent").patch(path, {"name": "Renamed"}, format="json")
    assert_error(r, 403, "FORBIDDEN")
    acme.customer.refresh_from_db()
    assert acme.customer.name != "Renamed"
    # The assignee, a manager and an API key may.
    for who in ("other_agent", "admin", "key"):
        r = client_for(acme, who).patch(path, {"name": f"By {who}"}, format="json")
        assert r.status_code == 200, (who, r.content)
    # Unassigned: every agent sees it, so may update its customer.
    actions.do_assign(conv, None, actor=Actor.system())
    assert client_for(acme, "agent").patch(path, {"name": "x"}, format="json").status_code == 200


def test_a_plain_agent_cannot_speak_as_the_visitor_ai_or_system(acme):
    conv = acme.start("hi")
    path = f"/api/v1/sessions/{conv.pk}/messages"
    agent = client_for(acme, "agent")
    for kind in ("visitor", "ai", "system"):
        r = agent.post(path, {"content": "impersonated", "type": kind}, format="json")
        assert_error(r, 403, "FORBIDDEN")
    assert not conv.messages.filter(content="impersonated").exists()
    assert agent.post(path, {"content": "me", "type": "operator"}, format="json").status_code == 201
    # Integrations (API keys) bridge other channels: they may post as the visitor.
    r = client_for(acme, "key").post(path, {"content": "bridged", "type": "visitor"}, format="json")
    assert r.status_code == 201, r.content


def test_a_foreign_customer_or_session_is_404_not_403(acme, globex):
    conv = globex.start("theirs")
    r = client_for(acme, "agent").patch(
        f"/api/v1/customers/{globex.customer.pk}", {"name": "x"}, format="json"
    )
    assert_error(r, 404, "CUSTOMER_NOT_FOUND")
    r = client_for(acme, "agent").post(
        f"/api/v1/sessions/{conv.pk}/messages", {"content": "x", "type": "visitor"}, format="json"
    )
    assert r.status_code == 404
