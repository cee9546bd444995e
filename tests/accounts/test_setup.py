"""First run: / and /inbox/ lead to /setup/ on a fresh install; it creates the business and its
owner and shows the widget snippet; afterwards it is closed unless ALLOW_SIGNUP."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from conversations.models import Agent, Business
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

FORM = {
    "business_name": "Bakery Bob",
    "name": "Bob Baker",
    "username": "bob@bakery.test",
    "password": PASSWORD,
}


def test_fresh_install_leads_to_setup(client):
    assert client.get("/").url == reverse("accounts:setup")
    login = client.get("/inbox/")
    assert login.status_code == 302
    assert client.get(login.url).url == reverse("accounts:setup")
    page = client.get("/setup/")
    assert page.status_code == 200 and b"Welcome to PingBack" in page.content


def test_setup_creates_business_and_owner_then_shows_the_snippet(client):
    response = client.post("/setup/", FORM)
    assert response.status_code == 302 and response.url == reverse("inbox:welcome")
    business = Business.objects.get()
    owner = Agent.objects.get(business=business)
    assert owner.role == Agent.Role.OWNER
    assert owner.user.email == "bob@bakery.test" and owner.user.get_full_name() == "Bob Baker"
    assert owner.user.check_password(PASSWORD)
    welcome = client.get(response.url).content.decode()
    assert f'data-business-id="{business.public_id}"' in welcome
    assert "widget/widget.js" in welcome
    # The empty inbox also shows the snippet and the way to invite the team.
    inbox = client.get("/inbox/").content.decode()
    assert "No conversations yet" in inbox and business.public_id in inbox
    assert reverse("inbox:settings_team") in inbox
    assert client.get("/").url == reverse("inbox:inbox")


def test_setup_is_closed_once_a_business_exists(client, acme):
    assert client.get("/setup/").status_code == 404
    assert client.post("/setup/", FORM).status_code == 404
    assert not get_user_model().objects.filter(email="bob@bakery.test").exists()


def test_allow_signup_opens_setup_for_new_businesses(client, acme, settings):
    settings.ALLOW_SIGNUP = True
    assert b"Create a business" in client.get("/inbox/login/").content
    assert client.post("/setup/", FORM).status_code == 302
    assert Business.objects.filter(name="Bakery Bob").exists()


def test_an_existing_account_needs_its_password(client, acme, settings):
    settings.ALLOW_SIGNUP = True
    taken = {**FORM, "username": acme.agent.user.email, "password": "not-her-password"}
    response = client.post("/setup/", taken)
    assert response.status_code == 400
    assert b"exists already" in response.content
    assert not Business.objects.filter(name="Bakery Bob").exists()
    # With her password, her account becomes the owner of the new business.
    response = client.post("/setup/", {**taken, "password": PASSWORD})
    assert response.status_code == 302
    assert Agent.objects.get(business__name="Bakery Bob").user == acme.agent.user


@pytest.mark.parametrize(
    "change,message",
    [
        ({"business_name": "  "}, b"required"),
        ({"username": "not-an-email"}, b"valid email"),
        ({"password": "short"}, b"too short"),
        ({"name": "x" * 151}, b"at most 150"),
    ],
)
def test_setup_bad_input_says_why(client, change, message):
    response = client.post("/setup/", {**FORM, **change})
    assert response.status_code == 400
    assert message in response.content
    assert not Business.objects.exists()


def test_user_without_business_is_told_how_to_get_in(client, acme):
    user = get_user_model().objects.create_user("solo@x.test", "solo@x.test", PASSWORD)
    client.force_login(user)
    page = client.get("/inbox/")
    assert page.status_code == 403 and b"invite you" in page.content


def test_admin_add_business_shows_no_unsaved_public_id(admin_client):
    page = admin_client.get("/admin/conversations/business/add/")
    assert "Public id" not in page.content.decode()
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"name": "Via admin", "agents-TOTAL_FORMS": "0", "agents-INITIAL_FORMS": "0"})
    response = admin_client.post("/admin/conversations/business/add/", data)
    assert response.status_code == 302
    business = Business.objects.get(name="Via admin")
    change = admin_client.get(f"/admin/conversations/business/{business.pk}/change/")
    assert business.public_id in change.content.decode()
