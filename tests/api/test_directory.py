"""Customers, agents (and their status) and API key management."""

import pytest

from conversations.models import ApiKey, Customer
from tests.api.conftest import assert_error, client_for


def test_customers_list_retrieve_update(acme, as_agent):
    from conversations import actions

    newer = actions.create_customer(acme.business, name="Newer", email="n@x.test")
    acme.start("hi", customer=newer)  # a plain agent edits customers they can see a chat of
    page = as_agent.get("/api/v1/customers/").json()
    assert [c["id"] for c in page["results"]] == [newer.pk, acme.customer.pk]
    assert (
        as_agent.get("/api/v1/customers/", {"email": "N@x.test"}).json()["results"][0]["id"]
        == newer.pk
    )
    r = as_agent.get(f"/api/v1/customers/{newer.pk}/")
    assert r.json()["email"] == "n@x.test"
    r = as_agent.patch(
        f"/api/v1/customers/{newer.pk}/",
        {"name": "Renamed", "external_id": "ext-1", "metadata": {"a": 1}},
        format="json",
    )
    assert r.status_code == 200 and r.json()["name"] == "Renamed"
    assert Customer.objects.get(pk=newer.pk).external_id == "ext-1"
    assert (
        as_agent.get("/api/v1/customers/", {"external_id": "ext-1"}).json()["results"][0]["id"]
        == newer.pk
    )
    assert_error(
        as_agent.patch(f"/api/v1/customers/{newer.pk}/", {"email": "bad"}, format="json"),
        400,
        "VALIDATION_ERROR",
    )
    assert_error(as_agent.get("/api/v1/customers/0/"), 404, "CUSTOMER_NOT_FOUND")


def test_agents_list_with_roles_and_status(acme, as_agent):
    agents = as_agent.get("/api/v1/agents/").json()["results"]
    assert [(a["id"], a["role"]) for a in agents] == [
        (acme.owner.pk, "owner"),
        (acme.admin.pk, "admin"),
        (acme.agent.pk, "agent"),
        (acme.other_agent.pk, "agent"),
    ]
    assert agents[0]["status"] == "offline" and agents[0]["email"] == "olivia@acme.test"
    assert as_agent.get(f"/api/v1/agents/{acme.owner.pk}/").json()["role"] == "owner"
    assert_error(as_agent.get("/api/v1/agents/0/"), 404, "AGENT_NOT_FOUND")


def test_agent_sets_own_status(acme, as_agent, as_key):
    r = as_agent.put("/api/v1/agents/me/status", {"status": "online"}, format="json")
    assert r.status_code == 200 and r.json()["id"] == acme.agent.pk
    acme.agent.refresh_from_db()
    assert acme.agent.status == "online"
    assert_error(
        as_agent.put("/api/v1/agents/me/status", {"status": "asleep"}, format="json"),
        400,
        "VALIDATION_ERROR",
    )
    assert_error(
        as_key.put("/api/v1/agents/me/status", {"status": "online"}, format="json"),
        403,
        "AGENT_REQUIRED",
    )


@pytest.mark.parametrize("who", ["owner", "admin", "key"])
def test_managers_manage_api_keys(acme, who):
    client = client_for(acme, who)
    created = client.post("/api/v1/api-keys/", {"name": "CI"}, format="json")
    assert created.status_code == 201
    raw = created.json()["key"]
    assert raw.startswith("pbk_") and created.json()["prefix"] == raw[:12]
    listed = client.get("/api/v1/api-keys/").json()["results"]
    assert "key" not in listed[0] and listed[0]["name"] == "CI"
    new_client = client_for(acme)
    new_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert new_client.get("/api/v1/me").status_code == 200
    key_id = created.json()["id"]
    assert client.get(f"/api/v1/api-keys/{key_id}/").json()["active"] is True
    assert client.delete(f"/api/v1/api-keys/{key_id}/").status_code == 204
    assert ApiKey.objects.get(pk=key_id).revoked_at is not None
    assert_error(new_client.get("/api/v1/me"), 401, "INVALID_API_KEY")
    assert_error(client.delete("/api/v1/api-keys/0/"), 404, "API_KEY_NOT_FOUND")
    assert_error(client.post("/api/v1/api-keys/", {}, format="json"), 400, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/api/v1/api-keys/"),
        ("post", "/api/v1/api-keys/"),
        ("get", "/api/v1/api-keys/{id}/"),
        ("delete", "/api/v1/api-keys/{id}/"),
    ],
)
def test_plain_agents_cannot_manage_api_keys(acme, as_agent, method, path):
    r = getattr(as_agent, method)(path.format(id=acme.api_key.pk), {"name": "x"}, format="json")
    assert_error(r, 403, "FORBIDDEN")
    assert ApiKey.objects.get(pk=acme.api_key.pk).revoked_at is None
