"""Cross-tenant sweep: Acme's API key and Acme's agents get 404 for every Globex object id
on every endpoint, and nothing of Globex changes."""

import pytest

from conversations import actions
from conversations.models import ApiKey, Conversation, Customer, Message
from tests.api.conftest import client_for

C, S = "/api/v1/conversations", "/api/v1/sessions"
ENDPOINTS = [
    ("get", C + "/{conv}/", None),
    ("put", C + "/{conv}/resolve", None),
    ("put", C + "/{conv}/close", None),
    ("put", C + "/{conv}/reopen", None),
    ("put", C + "/{conv}/pending", None),
    ("put", C + "/{conv}/assign", {"agent_id": None}),
    ("put", C + "/{conv}/unassign", None),
    ("put", C + "/{conv}/handoff", {"reason": "x"}),
    ("delete", C + "/{conv}/handoff", None),
    ("get", C + "/{conv}/messages/", None),
    ("post", C + "/{conv}/messages/", {"content": "x", "agent_id": "{acme_agent}"}),
    ("post", C + "/{conv}/messages/read", {}),
    ("get", S + "/{conv}", None),
    ("post", S + "/{conv}/close", None),
    ("get", S + "/{conv}/messages", None),
    ("post", S + "/{conv}/messages", {"content": "x", "type": "system"}),
    ("post", S + "/{conv}/identify", {"name": "x"}),
    ("post", S + "/{conv}/ai", {"enabled": True}),
    ("get", "/api/v1/customers/{customer}/", None),
    ("patch", "/api/v1/customers/{customer}/", {"name": "x"}),
    ("get", "/api/v1/agents/{agent}/", None),
    ("get", "/api/v1/api-keys/{key}/", None),
    ("delete", "/api/v1/api-keys/{key}/", None),
    # Globex ids inside an Acme request body.
    ("post", C + "/", {"customer_id": "{customer}"}),
    ("put", C + "/{acme_conv}/assign", {"agent_id": "{agent}"}),
    ("post", C + "/{acme_conv}/messages/", {"content": "x", "agent_id": "{agent}"}),
    (
        "post",
        S + "/{acme_conv}/messages",
        {"content": "x", "type": "operator", "agentId": "{agent}"},
    ),
]


def fill(value, ids):
    if isinstance(value, str):
        return int(value.format(**ids)) if value.startswith("{") else value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


def snapshot(globex):
    return (
        list(Conversation.objects.filter(business=globex.business).values()),
        list(Message.objects.filter(business=globex.business).values()),
        list(Customer.objects.filter(business=globex.business).values()),
        list(ApiKey.objects.filter(business=globex.business).values("revoked_at")),
    )


@pytest.mark.parametrize("who", ["key", "owner", "agent"])
@pytest.mark.parametrize("method,path,body", ENDPOINTS)
def test_foreign_ids_are_404_everywhere(acme, globex, who, method, path, body):
    foreign = globex.start("globex secret")
    ids = {
        "conv": foreign.pk,
        "customer": globex.customer.pk,
        "agent": globex.agent.pk,
        "key": globex.api_key.pk,
        "acme_agent": acme.agent.pk,
        "acme_conv": acme.start().pk,
    }
    before = snapshot(globex)
    client = client_for(acme, who)
    kwargs = {"format": "json"}
    if body is not None:
        kwargs["data"] = fill(body, ids)
    r = getattr(client, method)(path.format(**ids), **kwargs)
    if who == "agent" and "/api-keys/" in path:
        assert r.status_code == 403  # agents are refused before any lookup
    elif who != "key" and "/messages" in path and "{acme_conv}" in path:
        assert r.status_code == 201  # agents always send as themselves: agent_id is ignored
        assert r.json()["sender_agent_id" if "conversations" in path else "type"] in (
            getattr(acme, who).pk,
            "operator",
        )
    else:
        assert r.status_code == 404, (r.status_code, r.content)
        assert r.json()["code"].endswith("NOT_FOUND")
    assert b"globex secret" not in r.content
    assert snapshot(globex) == before


@pytest.mark.parametrize("who", ["key", "owner", "agent"])
def test_lists_never_show_another_business(acme, globex, who):
    globex.start("globex secret")
    actions.do_request_handoff(globex.start("x"), reason="r", actor=actions.Actor.ai())
    client = client_for(acme, who)
    for path in [
        C + "/",
        C + "/handoffs/",
        S,
        "/api/v1/customers/",
        "/api/v1/agents/",
    ]:
        r = client.get(path)
        assert r.status_code == 200
        assert b"globex" not in r.content.lower(), path
