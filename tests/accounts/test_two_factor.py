"""Two-factor login (TOTP, RFC 6238) with recovery codes: set up in Settings → My account,
asked at the inbox login and by POST /api/v1/auth/token; codes are single use."""

import base64
import time
from types import SimpleNamespace

import pytest
from django.test import Client

from accounts import totp, two_factor
from accounts.models import TwoFactor
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def mid_step_clock(monkeypatch):
    """TOTP's clock held in the middle of the current 30 s step: a code the test computes
    stays in the same step when the server checks it (a step boundary in between made the
    "previous step" code two steps old, and the test fail, once in a while)."""
    now = (time.time() // totp.STEP + 0.5) * totp.STEP
    monkeypatch.setattr(totp, "time", SimpleNamespace(time=lambda: now))


@pytest.mark.parametrize(
    "at,code", [(59, "287082"), (1111111109, "081804"), (1234567890, "005924")]
)
def test_rfc_6238_vectors(at, code):
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp.code_at(secret, at // 30) == code
    assert totp.matching_step(secret, code, now=at) == at // 30
    assert totp.matching_step(secret, code, now=at + 90) is None  # too late


def turn_on(agent) -> tuple[Client, str, list[str]]:
    client = Client()
    client.force_login(agent.user)
    assert client.post("/inbox/settings/account/2fa/start/").status_code == 302
    page = client.get("/inbox/settings/account/").content.decode()
    secret = TwoFactor.objects.get(user=agent.user).secret
    assert secret in page and "otpauth://totp/PingBack" in page
    wrong = client.post("/inbox/settings/account/2fa/confirm/", {"code": "000000"}, **JSON)
    assert wrong.status_code == 400 and wrong.json()["code"] == "OTP_INVALID"
    # The code of the previous step: accepted (clock drift), and then the current one is new.
    previous = totp.code_at(secret, totp.current_step() - 1)
    response = client.post("/inbox/settings/account/2fa/confirm/", {"code": previous})
    assert response.status_code == 200
    codes = response.context["recovery_codes"]
    assert len(codes) == 10 and codes[0] in response.content.decode()
    assert two_factor.enabled_for(agent.user)
    return client, secret, codes


def password_step(client, email, password=PASSWORD):
    return client.post("/inbox/login/", {"username": email, "password": password})


def test_inbox_login_asks_for_the_code_then_recovery_codes_work_once(acme):
    _, secret, codes = turn_on(acme.agent)
    email = acme.agent.user.email
    browser = Client()
    response = password_step(browser, email)
    assert response.status_code == 302 and response.url == "/login/code/"
    assert browser.get("/inbox/").status_code == 302  # not logged in yet
    wrong = browser.post("/login/code/", {"code": "123456", "username": email})
    assert wrong.status_code == 200 and b"not right" in wrong.content
    now = totp.code_at(secret, totp.current_step())
    assert browser.post("/login/code/", {"code": now, "username": email}).status_code == 302
    assert browser.get("/inbox/").status_code == 200
    # The same TOTP code is not accepted twice; a recovery code once.
    again = Client()
    password_step(again, email)
    assert again.post("/login/code/", {"code": now}).status_code == 200
    assert again.post("/login/code/", {"code": codes[3].upper()}).status_code == 302
    third = Client()
    password_step(third, email)
    assert third.post("/login/code/", {"code": codes[3]}).status_code == 200
    assert two_factor.recovery_codes_left(acme.agent.user) == 9
    # Without the password step there is nothing to complete.
    assert Client().post("/login/code/", {"code": now}).url == "/inbox/login/"


def test_api_token_needs_the_otp(acme, client):
    _, secret, codes = turn_on(acme.owner)
    body = {"email": acme.owner.user.email, "password": PASSWORD}
    url = "/api/v1/auth/token"
    missing = client.post(url, body, content_type="application/json")
    assert missing.status_code == 401 and missing.json()["code"] == "OTP_REQUIRED"
    wrong = client.post(url, {**body, "otp": "999999"}, content_type="application/json")
    assert wrong.status_code == 401 and wrong.json()["code"] == "OTP_INVALID"
    good = client.post(
        url,
        {**body, "otp": totp.code_at(secret, totp.current_step())},
        content_type="application/json",
    )
    assert good.status_code == 200 and good.json()["access"]
    assert (
        client.post(url, {**body, "otp": codes[0]}, content_type="application/json").status_code
        == 200
    )
    # Other users are not asked.
    other = {"email": acme.agent.user.email, "password": PASSWORD}
    assert client.post(url, other, content_type="application/json").status_code == 200


def test_turning_off_needs_the_password(acme):
    client, _, _ = turn_on(acme.admin)
    wrong = client.post("/inbox/settings/account/2fa/disable/", {"password": "nope"}, **JSON)
    assert wrong.status_code == 401
    assert two_factor.enabled_for(acme.admin.user)
    assert (
        client.post("/inbox/settings/account/2fa/disable/", {"password": PASSWORD}).status_code
        == 302
    )
    assert not two_factor.enabled_for(acme.admin.user)
    assert password_step(Client(), acme.admin.user.email).url == "/inbox/"
    # Starting twice while on is refused; confirming without a setup too.
    client2, _, _ = turn_on(acme.admin)
    response = client2.post("/inbox/settings/account/2fa/start/", **JSON)
    assert response.status_code == 409 and response.json()["code"] == "TWO_FACTOR_ON"
    response = client2.post("/inbox/settings/account/2fa/confirm/", {"code": "123456"}, **JSON)
    assert response.status_code == 409


def test_joining_another_business_still_asks_for_the_code(acme, globex, smtp_server):
    """An existing account with two-factor on, accepting an invitation with its password, gives
    its code before it is logged in."""
    _, secret, _ = turn_on(acme.agent)
    inviter = Client()
    inviter.force_login(globex.owner.user)
    inviter.post("/inbox/settings/team/invite/", {"email": acme.agent.user.email, "role": "agent"})
    mail = smtp_server.wait_for(acme.agent.user.email)
    (link,) = [x for x in mail.links() if "/invitation/" in x]
    guest = Client()
    response = guest.post(link.split("testserver", 1)[1], {"password": PASSWORD})
    assert response.status_code == 302 and response.url == "/login/code/"
    assert guest.get("/inbox/").status_code == 302  # not logged in yet
    code = totp.code_at(secret, totp.current_step() + 1)  # the next step: not used yet
    assert guest.post("/login/code/", {"code": code}).url == "/inbox/"
    assert guest.get("/inbox/").status_code == 200
