"""manage.py createbusiness: non-interactive, JSON on request, an API key on request."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from conversations.access import authenticate_api_key
from conversations.models import Agent, Business
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("createbusiness", *args, stdout=out)
    return out.getvalue()


def test_creates_business_owner_and_api_key_as_json():
    out = json.loads(
        run(
            "--name",
            "Shop",
            "--owner-email",
            "Ann@Shop.test",
            "--password",
            PASSWORD,
            "--api-key",
            "--json",
        )
    )
    business = Business.objects.get(public_id=out["business_id"])
    owner = Agent.objects.get(business=business)
    assert owner.role == "owner" and owner.user.email == "ann@shop.test"
    assert owner.user.check_password(PASSWORD)
    assert out["owner_created"] and out["owner_has_password"]
    assert authenticate_api_key(out["api_key"]).business == business


def test_without_password_the_owner_uses_a_reset_and_text_output():
    out = run("--name", "Shop", "--owner-email", "ann@shop.test")
    assert "business_id: " in out and "no password yet" in out and "API key" not in out
    owner = Agent.objects.get(business__name="Shop")
    assert not owner.user.has_usable_password()


def test_an_existing_account_becomes_owner_of_a_second_business(acme):
    out = json.loads(run("--name", "Second", "--owner-email", acme.agent.user.email, "--json"))
    assert out["owner_created"] is False
    assert Agent.objects.get(business__public_id=out["business_id"]).user == acme.agent.user


@pytest.mark.parametrize(
    "args,message",
    [
        (["--name", "Shop", "--owner-email", "nope"], "not an email address"),
        (["--name", " ", "--owner-email", "a@b.test"], "business name is required"),
        (["--name", "Shop", "--owner-email", "a@b.test", "--password", "x"], "too short"),
    ],
)
def test_bad_input_is_a_command_error(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not Business.objects.exists()
