"""The identity secret behind the widget's ``PingBack.identify()``: REST (view, rotate; the
value is returned only by a rotation), the settings page, bad input, other businesses, and
the action's rules (docs/team-tools.md)."""

import hashlib
import hmac

import pytest

from conversations.models import Customer
from teamtools.actions.identity import do_identify_visitor, identity_hash, rotate_identity_secret
from tests.api.conftest import assert_error, client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/identity-secret"


def test_rotating_returns_the_secret_once_and_invalidates_the_old_one(acme):
    as_key = client_for(acme, "key")
    assert as_key.get(URL).json() == {"configured": False, "created_at": None, "hint": ""}
    first = as_key.post(URL, {}, format="json")
    assert first.status_code == 201, first.content
    secret = first.json()["secret"]
    status = as_key.get(URL).json()
    assert status["configured"] is True and "secret" not in status
    assert secret.endswith(status["hint"]) and secret not in as_key.get(URL).content.decode()
    second = client_for(acme, "owner").post(URL, {}, format="json").json()["secret"]
    assert second != secret
    # The documented recipe is what the server checks.
    assert (
        identity_hash(second, "u-1")
        == hmac.new(second.encode(), b"u-1", hashlib.sha256).hexdigest()
    )
    old = {"id": "u-1", "hash": identity_hash(secret, "u-1")}
    with pytest.raises(Exception, match="hash does not match"):
        do_identify_visitor(acme.business, None, old)


def test_plain_agents_and_bad_input_are_refused(acme):
    for method in ("get", "post"):
        assert_error(getattr(client_for(acme, "agent"), method)(URL), 403, "FORBIDDEN")
    owner = client_for(acme, "owner")
    assert_error(owner.post(URL, {"secret": "mine"}, format="json"), 400, "VALIDATION_ERROR")
    assert_error(owner.post(URL, [1], format="json"), 400, "VALIDATION_ERROR")
    assert_error(owner.get(URL + "?all=1"), 400, "UNKNOWN_PARAMETER")


def test_each_business_has_its_own_secret(acme, globex):
    rotate_identity_secret(acme.business)
    assert client_for(globex, "key").get(URL).json()["configured"] is False
    globex_customer = Customer.objects.create(business=globex.business, external_id="u-9")
    signed = {
        "id": "u-9",
        "hash": identity_hash(rotate_identity_secret(globex.business).secret, "u-9"),
    }
    # A globex-signed identity used against acme never finds globex's customer.
    with pytest.raises(Exception, match="hash does not match"):
        do_identify_visitor(acme.business, None, signed)
    done = do_identify_visitor(globex.business, None, signed)
    assert done.verified and done.customer.pk == globex_customer.pk


def test_a_verified_identity_does_not_swallow_another_users_browser(acme):
    """A shared computer: the widget still holds user A's session when user B logs in.
    B gets their own customer; A's conversations stay A's."""
    secret = rotate_identity_secret(acme.business).secret
    a = do_identify_visitor(acme.business, None, {"id": "a", "hash": identity_hash(secret, "a")})
    conv = acme.start(customer=a.customer)
    b = do_identify_visitor(
        acme.business, a.customer.pk, {"id": "b", "hash": identity_hash(secret, "b")}
    )
    assert b.switched and b.customer.pk != a.customer.pk
    conv.refresh_from_db()
    assert conv.customer_id == a.customer.pk


def test_settings_page_shows_the_secret_only_after_rotating(acme, client):
    client.force_login(acme.owner.user)
    page = client.get("/inbox/settings/identity/")
    assert page.status_code == 200 and b"No secret yet" in page.content
    rotated = client.post("/inbox/settings/identity/")
    secret = acme.business.identity_secret.secret
    assert secret.encode() in rotated.content
    again = client.get("/inbox/settings/identity/")
    assert secret.encode() not in again.content and secret[-4:].encode() in again.content
    client.force_login(acme.agent.user)
    assert client.get("/inbox/settings/identity/").status_code == 403
