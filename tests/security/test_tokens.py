"""Token lifecycle (issue 21, item 3): rotation, blacklisting, revocation, REST and inbox logout."""

import re

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import assert_error
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.API_ANON_RATE_PER_MINUTE = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def login(email="alice@acme.test", password=PASSWORD) -> dict:
    r = APIClient().post(
        "/api/v1/auth/token/", {"email": email, "password": password}, format="json"
    )
    assert r.status_code == 200, r.content
    return r.json()


def me(access: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get("/api/v1/me")


def refresh(token: str):
    return APIClient().post("/api/v1/auth/token/refresh/", {"refresh": token}, format="json")


def test_refresh_rotates_and_a_used_refresh_token_is_refused(acme):
    tokens = login()
    first = refresh(tokens["refresh"])
    assert first.status_code == 200
    assert first.json()["refresh"] != tokens["refresh"]
    assert_error(refresh(tokens["refresh"]), 401, "TOKEN_INVALID")  # used: blacklisted
    assert refresh(first.json()["refresh"]).status_code == 200


def test_a_password_change_revokes_every_token(acme):
    tokens = login()
    assert me(tokens["access"]).status_code == 200
    user = acme.agent.user
    user.set_password("a-new-password-123")
    user.save()
    assert_error(me(tokens["access"]), 401, "TOKEN_INVALID")
    assert_error(refresh(tokens["refresh"]), 401, "TOKEN_INVALID")
    fresh = login(password="a-new-password-123")
    assert me(fresh["access"]).status_code == 200


def test_deactivation_revokes_every_token(acme):
    tokens = login()
    user = acme.agent.user
    user.is_active = False
    user.save()
    assert me(tokens["access"]).status_code == 401
    assert refresh(tokens["refresh"]).status_code == 401
    user.is_active = True
    user.save()
    assert refresh(tokens["refresh"]).status_code == 401, "revoked for good"


def test_rest_logout_revokes_the_refresh_tokens_and_the_access_token(acme):
    tokens = login()
    other_device = login()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    r = client.post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, format="json")
    assert r.status_code == 204, r.content
    assert_error(me(tokens["access"]), 401, "TOKEN_INVALID")
    assert_error(refresh(tokens["refresh"]), 401, "TOKEN_INVALID")
    assert_error(refresh(other_device["refresh"]), 401, "TOKEN_INVALID")


def test_rest_logout_refuses_bad_input(acme, globex):
    assert_error(
        APIClient().post("/api/v1/auth/logout/", {"refresh": "nope"}, format="json"),
        401,
        "TOKEN_INVALID",
    )
    assert_error(
        APIClient().post("/api/v1/auth/logout/", {}, format="json"), 400, "VALIDATION_ERROR"
    )
    # An access token is not a refresh token.
    tokens = login()
    r = APIClient().post("/api/v1/auth/logout/", {"refresh": tokens["access"]}, format="json")
    assert_error(r, 401, "TOKEN_INVALID")
    # Someone else's access token in the header does not let you log out another user.
    theirs = login("alice@globex.test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {theirs['access']}")
    r = client.post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, format="json")
    assert_error(r, 403, "FORBIDDEN")
    assert me(theirs["access"]).status_code == 200


def test_logout_is_in_the_openapi_schema(db):
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    assert "post" in schema["paths"]["/api/v1/auth/logout/"]


def test_inbox_logout_invalidates_the_pages_tokens(client, acme):
    assert client.login(username="alice@acme.test", password=PASSWORD)
    page = client.get("/inbox/").content.decode()
    page_tokens = set(re.findall(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", page))
    page_tokens.add(client.get("/inbox/token/").json()["token"])
    assert page_tokens and all(me(t).status_code == 200 for t in page_tokens)
    client.post("/inbox/logout/")
    for token in page_tokens:
        assert_error(me(token), 401, "TOKEN_INVALID")
