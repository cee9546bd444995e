"""REST for the team: invitations and members' roles and removal. Managers and API keys (an
admin's rights); plain agents 403; bad input 400; another business's ids 404."""

import pytest

from accounts.models import Invitation
from conversations.models import Agent
from tests.api.conftest import assert_error, client_for

pytestmark = pytest.mark.django_db


def test_invite_list_withdraw(acme, globex, smtp_server):
    client = client_for(acme, "owner")
    response = client.post("/api/v1/invitations", {"email": "New@Acme.test", "role": "admin"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "new@acme.test" and body["role"] == "admin" and body["email_sent"]
    mail = smtp_server.wait_for("new@acme.test", "You are invited to Acme Inc")
    assert any("/invitation/" in link for link in mail.links())
    assert [i["id"] for i in client.get("/api/v1/invitations").json()] == [body["id"]]
    assert client_for(globex, "key").get("/api/v1/invitations").json() == []
    assert_error(
        client_for(globex, "key").delete(f"/api/v1/invitations/{body['id']}"),
        404,
        "INVITATION_NOT_FOUND",
    )
    assert client.delete(f"/api/v1/invitations/{body['id']}").status_code == 204
    assert client.get("/api/v1/invitations").json() == []


def test_api_keys_have_admin_rights_not_owner(acme, smtp_server):
    key = client_for(acme, "key")
    assert key.post("/api/v1/invitations", {"email": "a@acme.test"}).status_code == 201
    assert_error(
        key.post("/api/v1/invitations", {"email": "b@acme.test", "role": "owner"}),
        403,
        "OWNER_ONLY",
    )
    assert_error(
        key.patch(f"/api/v1/team/members/{acme.owner.pk}", {"role": "agent"}), 403, "OWNER_ONLY"
    )
    body = key.patch(f"/api/v1/team/members/{acme.agent.pk}", {"role": "admin"}).json()
    assert body == {
        "id": acme.agent.pk,
        "email": acme.agent.user.email,
        "name": "Alice",
        "role": "admin",
    }


@pytest.mark.parametrize(
    "data,status,code",
    [
        ({"email": "nope"}, 400, "VALIDATION_ERROR"),
        ({"email": "x@acme.test", "role": "boss"}, 400, "VALIDATION_ERROR"),
        ({"email": "x@acme.test", "business": 2}, 400, "VALIDATION_ERROR"),
        ({"email": "alice@acme.test"}, 409, "ALREADY_MEMBER"),
    ],
)
def test_invite_bad_input(acme, data, status, code):
    assert_error(client_for(acme, "admin").post("/api/v1/invitations", data), status, code)
    assert not Invitation.objects.exists()


def test_members_roles_and_removal(acme, globex):
    owner = client_for(acme, "owner")
    assert_error(
        owner.patch(f"/api/v1/team/members/{acme.owner.pk}", {"role": "agent"}), 409, "LAST_OWNER"
    )
    assert_error(
        owner.patch(f"/api/v1/team/members/{acme.agent.pk}", {"role": "x"}), 400, "VALIDATION_ERROR"
    )
    assert_error(
        owner.patch(f"/api/v1/team/members/{globex.agent.pk}", {"role": "admin"}),
        404,
        "AGENT_NOT_FOUND",
    )
    assert_error(owner.delete(f"/api/v1/team/members/{globex.agent.pk}"), 404, "AGENT_NOT_FOUND")
    assert_error(owner.delete("/api/v1/team/members/abc"), 404, "AGENT_NOT_FOUND")
    assert owner.delete(f"/api/v1/team/members/{acme.other_agent.pk}").status_code == 204
    assert not Agent.objects.filter(pk=acme.other_agent.pk).exists()
    assert Agent.objects.filter(pk=globex.agent.pk).exists()


def test_plain_agents_get_403(acme):
    agent = client_for(acme, "agent")
    assert_error(agent.get("/api/v1/invitations"), 403, "FORBIDDEN")
    assert_error(agent.post("/api/v1/invitations", {"email": "z@acme.test"}), 403, "FORBIDDEN")
    assert_error(
        agent.patch(f"/api/v1/team/members/{acme.other_agent.pk}", {"role": "admin"}),
        403,
        "FORBIDDEN",
    )
    assert_error(agent.delete(f"/api/v1/team/members/{acme.other_agent.pk}"), 403, "FORBIDDEN")
