"""Channels over REST: CRUD, credentials write-only and encrypted at rest, isolation."""

import pytest

from customer_channels.models import Channel
from tests.api.conftest import client_for
from tests.channels.fake_telegram import TOKEN


def create(tenant, who="owner", **body):
    return client_for(tenant, who).post("/api/v1/channels", body, format="json")


def test_credentials_are_encrypted_at_rest_and_never_returned(acme):
    r = create(acme, kind="telegram", name="Bot", credentials={"bot_token": TOKEN})
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["credentials_set"] == ["bot_token", "webhook_secret"]
    assert set(data["secrets"]) == {"webhook_secret"}  # generated, shown this once
    assert TOKEN not in r.content.decode()
    stored = Channel.objects.get(pk=data["id"]).credentials_encrypted
    assert TOKEN not in stored and data["secrets"]["webhook_secret"] not in stored
    for response in (
        client_for(acme).get(f"/api/v1/channels/{data['id']}"),
        client_for(acme).get("/api/v1/channels"),
        client_for(acme).patch(f"/api/v1/channels/{data['id']}", {"name": "B"}, format="json"),
    ):
        assert response.status_code == 200
        body = response.content.decode()
        assert TOKEN not in body and data["secrets"]["webhook_secret"] not in body
        assert "secrets" not in body


def test_updating_credentials_keeps_the_generated_ones(acme):
    from customer_channels.actions import credentials_of

    data = create(acme, kind="telegram", credentials={"bot_token": TOKEN}).json()
    r = client_for(acme).patch(
        f"/api/v1/channels/{data['id']}", {"credentials": {"bot_token": "9:new"}}, format="json"
    )
    assert r.status_code == 200
    creds = credentials_of(Channel.objects.get(pk=data["id"]))
    assert creds == {"bot_token": "9:new", "webhook_secret": data["secrets"]["webhook_secret"]}


def test_every_kind_can_be_created(acme):
    bodies = [
        {"kind": "widget"},
        {"kind": "email", "settings": {"address": "Support@Acme.test"}},
        {
            "kind": "whatsapp",
            "settings": {"phone_number_id": "1065"},
            "credentials": {"access_token": "EAAG", "app_secret": "s", "verify_token": "v"},
        },
        {"kind": "telegram", "credentials": {"bot_token": TOKEN}},
        {"kind": "api", "settings": {"webhook_url": "https://example.com/pingback"}},
    ]
    for body in bodies:
        r = create(acme, **body)
        assert r.status_code == 201, (body, r.content)
    kinds = [c["kind"] for c in client_for(acme).get("/api/v1/channels").json()["channels"]]
    assert kinds == ["widget", "email", "whatsapp", "telegram", "api"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"kind": "fax"},
        {"kind": "telegram"},
        {"kind": "telegram", "credentials": {"bot_token": ""}},
        {"kind": "telegram", "credentials": "token"},
        {"kind": "telegram", "credentials": {"bot_token": TOKEN, "extra": "x"}},
        {"kind": "email", "settings": {"address": "not an address"}},
        {"kind": "email", "settings": {"address": "a@b.test", "imap_port": "993"}},
        {"kind": "api", "settings": {"webhook_url": "ftp://example.com"}},
        {"kind": "widget", "name": 5},
    ],
)
def test_bad_input_is_400_with_the_error_shape(acme, body):
    r = create(acme, **body)
    assert r.status_code == 400, r.content
    assert set(r.json()) >= {"error", "message", "code"}
    assert not Channel.objects.exists()


def test_another_business_never_reaches_a_channel(acme, globex):
    data = create(acme, kind="telegram", credentials={"bot_token": TOKEN}).json()
    other = client_for(globex)
    for method in ("get", "patch", "delete"):
        r = getattr(other, method)(f"/api/v1/channels/{data['id']}", {}, format="json")
        assert r.status_code == 404 and r.json()["code"] == "CHANNEL_NOT_FOUND"
    for path in ("connect", "outbound", "messages"):
        method = "get" if path == "outbound" else "post"
        r = getattr(other, method)(f"/api/v1/channels/{data['id']}/{path}", {}, format="json")
        assert r.status_code == 404
    assert other.get("/api/v1/channels").json() == {"channels": []}
    assert Channel.objects.filter(pk=data["id"]).exists()


def test_plain_agents_cannot_manage_channels(acme):
    assert create(acme, who="agent", kind="widget").status_code == 403
    assert client_for(acme, "agent").get("/api/v1/channels").status_code == 403


def test_delete(acme):
    data = create(acme, kind="widget").json()
    assert client_for(acme).delete(f"/api/v1/channels/{data['id']}").status_code == 204
    assert client_for(acme).get(f"/api/v1/channels/{data['id']}").status_code == 404
