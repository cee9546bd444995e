"""Invitations, role changes and removal in Settings → Team: emails through a real SMTP server,
single-use expiring links, managers only, other businesses' ids are 404."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from accounts.models import Invitation
from conversations.models import Agent, EventLog
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def as_member(agent) -> Client:
    client = Client()
    client.force_login(agent.user)
    return client


def invite(client, email="new@acme.test", role="agent", **extra):
    return client.post("/inbox/settings/team/invite/", {"email": email, "role": role}, **extra)


def link_of(mail) -> str:
    (link,) = [x for x in mail.links() if "/invitation/" in x]
    return link.split("testserver", 1)[1]


def test_invitation_email_link_sets_name_and_password_once(acme, smtp_server):
    owner = as_member(acme.owner)
    response = invite(owner, "Nina@Acme.test", "admin")
    assert response.status_code == 302
    mail = smtp_server.wait_for("nina@acme.test", "You are invited to Acme Inc")
    assert "as admin" in mail.text and "Accept the invitation" in mail.html
    path = link_of(mail)
    page = Client().get(path)
    assert page.status_code == 200 and b"Join Acme Inc" in page.content
    guest = Client()
    response = guest.post(path, {"name": "Nina Newton", "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/inbox/"
    agent = Agent.objects.get(business=acme.business, user__email="nina@acme.test")
    assert agent.role == "admin" and agent.user.get_full_name() == "Nina Newton"
    assert guest.get("/inbox/").status_code == 200  # logged in
    # Single use.
    again = Client().post(path, {"name": "Mallory", "password": PASSWORD})
    assert again.status_code == 404 and b"already used" in again.content
    assert Client().get(path).status_code == 404
    assert Client().login(username="nina@acme.test", password=PASSWORD)


def test_expired_and_withdrawn_invitations_are_refused(acme, globex, smtp_server, settings):
    owner = as_member(acme.owner)
    invite(owner, "late@acme.test")
    path = link_of(smtp_server.wait_for("late@acme.test"))
    Invitation.objects.filter(email="late@acme.test").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert Client().post(path, {"name": "Late", "password": PASSWORD}).status_code == 404
    invite(owner, "gone@acme.test")
    path = link_of(smtp_server.wait_for("gone@acme.test"))
    invitation = Invitation.objects.get(email="gone@acme.test")
    # Another business's manager cannot withdraw it (404), its own can.
    other = as_member(globex.owner)
    url = f"/inbox/settings/team/invitations/{invitation.pk}/revoke/"
    assert other.post(url).status_code == 404
    assert owner.post(url).status_code == 302
    assert Client().post(path, {"name": "Gone", "password": PASSWORD}).status_code == 404
    # A second invitation to the same address replaces the first one.
    invite(owner, "twice@acme.test")
    first = link_of(smtp_server.wait_for("twice@acme.test"))
    smtp_server.clear()
    invite(owner, "twice@acme.test")
    second = link_of(smtp_server.wait_for("twice@acme.test"))
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    assert not get_user_model().objects.filter(email__in=["late@acme.test", "gone@acme.test"])


def test_existing_account_joins_with_its_own_password(acme, globex, smtp_server):
    invite(as_member(globex.owner), acme.agent.user.email)
    path = link_of(smtp_server.wait_for(acme.agent.user.email))
    page = Client().get(path)
    assert b"enter its password" in page.content
    wrong = Client().post(path, {"password": "nope-nope-nope"})
    assert wrong.status_code == 400 and b"has an account already" in wrong.content
    assert Client().post(path, {"password": PASSWORD}).status_code == 302
    assert Agent.objects.filter(business=globex.business, user=acme.agent.user).exists()


@pytest.mark.parametrize(
    "email,role,status,code",
    [
        ("not-an-email", "agent", 400, "VALIDATION_ERROR"),
        ("x@acme.test", "boss", 400, "VALIDATION_ERROR"),
        ("alice@acme.test", "agent", 409, "ALREADY_MEMBER"),
    ],
)
def test_invite_bad_input(acme, email, role, status, code):
    response = invite(as_member(acme.owner), email, role, **JSON)
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code and body["message"] and body["error"]
    assert not Invitation.objects.exists()


def test_plain_agents_cannot_manage_the_team(acme):
    agent = as_member(acme.agent)
    assert agent.get("/inbox/settings/team/").status_code == 403
    response = invite(agent, **JSON)
    assert response.status_code == 403 and response.json()["code"] == "NOT_A_MANAGER"
    url = f"/inbox/settings/team/{acme.other_agent.pk}/role/"
    assert agent.post(url, {"role": "admin"}, **JSON).status_code == 403
    assert (
        agent.post(f"/inbox/settings/team/{acme.other_agent.pk}/remove/", **JSON).status_code == 403
    )
    assert agent.get("/inbox/settings/").url == "/inbox/settings/account/"
    assert not Invitation.objects.exists()


def test_roles_and_removal_through_the_membership_actions(acme, globex):
    owner, admin = as_member(acme.owner), as_member(acme.admin)
    page = owner.get("/inbox/settings/team/").content.decode()
    assert acme.agent.user.email in page and globex.agent.user.email not in page
    assert (
        owner.post(f"/inbox/settings/team/{acme.agent.pk}/role/", {"role": "admin"}).status_code
        == 302
    )
    acme.agent.refresh_from_db()
    assert acme.agent.role == "admin"
    # Admins never grant or take the owner role; the last owner stays.
    response = admin.post(f"/inbox/settings/team/{acme.agent.pk}/role/", {"role": "owner"}, **JSON)
    assert response.status_code == 403 and response.json()["code"] == "OWNER_ONLY"
    response = owner.post(f"/inbox/settings/team/{acme.owner.pk}/role/", {"role": "agent"}, **JSON)
    assert response.status_code == 409 and response.json()["code"] == "LAST_OWNER"
    response = owner.post(f"/inbox/settings/team/{acme.agent.pk}/role/", {"role": "x"}, **JSON)
    assert response.status_code == 400
    # Another business's member: 404, untouched.
    assert (
        owner.post(f"/inbox/settings/team/{globex.agent.pk}/role/", {"role": "admin"}).status_code
        == 404
    )
    assert owner.post(f"/inbox/settings/team/{globex.agent.pk}/remove/").status_code == 404
    assert Agent.objects.filter(pk=globex.agent.pk, role="agent").exists()
    assert admin.post(f"/inbox/settings/team/{acme.other_agent.pk}/remove/").status_code == 302
    assert not Agent.objects.filter(pk=acme.other_agent.pk).exists()
    changed = EventLog.objects.filter(business=acme.business, type="agent.membership_changed")
    assert {e.data["agent_id"] for e in changed} == {acme.agent.pk, acme.other_agent.pk}
