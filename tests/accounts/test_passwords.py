"""Password reset by email (single use, expiring) and password change; both revoke tokens."""

import pytest
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
NEW = "a-brand-new-password"


def reset_path(smtp_server, email) -> str:
    mail = smtp_server.wait_for(email, "Reset your PingBack password")
    (link,) = [x for x in mail.links() if "/password/reset/" in x]
    return link.split("testserver", 1)[1]


def api_tokens(client, email, password) -> dict:
    response = client.post(
        "/api/v1/auth/token",
        {"email": email, "password": password},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()


def refresh_works(client, refresh) -> bool:
    response = client.post(
        "/api/v1/auth/token/refresh", {"refresh": refresh}, content_type="application/json"
    )
    return response.status_code == 200


def test_reset_by_email_once_and_tokens_revoked(acme, smtp_server, client):
    email = acme.agent.user.email
    tokens = api_tokens(client, email, PASSWORD)
    response = client.post("/password/reset/", {"email": email.upper()})
    assert response.status_code == 200 and b"Check your email" in response.content
    path = reset_path(smtp_server, email)
    assert client.get(path).status_code == 200
    short = client.post(path, {"password": "short"})
    assert short.status_code == 400 and b"too short" in short.content
    assert client.post(path, {"password": NEW}).status_code == 302
    assert Client().login(username=email, password=NEW)
    assert not refresh_works(client, tokens["refresh"])
    # Single use: the link died with the old password.
    used = client.post(path, {"password": "yet-another-password"})
    assert used.status_code == 404 and b"already used" in used.content


def test_unknown_address_gets_the_same_answer_and_no_email(acme, smtp_server, client):
    response = client.post("/password/reset/", {"email": "nobody@acme.test"})
    assert response.status_code == 200 and b"Check your email" in response.content
    assert client.post("/password/reset/", {"email": "nope"}).status_code == 400
    assert smtp_server.messages == []


def test_expired_and_forged_reset_links_are_refused(acme, smtp_server, client, settings):
    client.post("/password/reset/", {"email": acme.agent.user.email})
    path = reset_path(smtp_server, acme.agent.user.email)
    settings.PASSWORD_RESET_TIMEOUT = -1
    assert client.get(path).status_code == 404
    settings.PASSWORD_RESET_TIMEOUT = 3600
    _uid, token = path.rstrip("/").rsplit("/", 1)[1].split(".", 1)
    # Another user's uid with this token.
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    other = urlsafe_base64_encode(force_bytes(acme.owner.user.pk))
    assert client.post(f"/password/reset/{other}.{token}/", {"password": NEW}).status_code == 404
    assert client.get("/password/reset/garbage/").status_code == 404
    assert client.get(path).status_code == 200  # the real one still works


def test_change_password_needs_the_current_one_and_revokes_tokens(acme, client):
    email = acme.agent.user.email
    tokens = api_tokens(client, email, PASSWORD)
    client.force_login(acme.agent.user)
    json = {"HTTP_ACCEPT": "application/json"}
    url = "/inbox/settings/account/"
    wrong = client.post(url, {"current": "wrong", "password": NEW}, **json)
    assert wrong.status_code == 401 and wrong.json()["code"] == "INVALID_CREDENTIALS"
    weak = client.post(url, {"current": PASSWORD, "password": "x"}, **json)
    assert weak.status_code == 400 and weak.json()["code"] == "WEAK_PASSWORD"
    assert client.post(url, {"current": PASSWORD, "password": NEW}).status_code == 302
    assert client.get("/inbox/").status_code == 200  # this session stays logged in
    assert not refresh_works(Client(), tokens["refresh"])
    assert Client().login(username=email, password=NEW)
