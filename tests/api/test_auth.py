"""Auth endpoints and refused credentials: every failure is a 401 in the error shape."""

import time

import jwt
import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.utils import get_md5_hash_password

from conversations import actions
from conversations.models import Agent
from tests.api.conftest import assert_error, client_for, jwt_for
from tests.conftest import PASSWORD


def test_agent_logs_in_with_email_and_password_and_uses_the_token(acme):
    client = APIClient()
    r = client.post(
        "/api/v1/auth/token/", {"email": "ALICE@acme.test", "password": PASSWORD}, format="json"
    )
    assert r.status_code == 200, r.content
    tokens = r.json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    me = client.get("/api/v1/me").json()
    assert me["agent"]["id"] == acme.agent.pk
    assert me["business"]["id"] == acme.business.public_id
    assert [m["role"] for m in me["memberships"]] == ["agent"]

    refreshed = APIClient().post(
        "/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert refreshed.status_code == 200
    assert refreshed.json()["access"]


def test_wrong_password_is_refused(acme):
    r = APIClient().post(
        "/api/v1/auth/token/", {"email": "alice@acme.test", "password": "nope"}, format="json"
    )
    assert_error(r, 401, "INVALID_CREDENTIALS")


def test_unknown_email_is_refused_the_same_way(db):
    r = APIClient().post(
        "/api/v1/auth/token/", {"email": "who@x.test", "password": "nope"}, format="json"
    )
    assert_error(r, 401, "INVALID_CREDENTIALS")


def test_user_without_business_cannot_get_a_token(acme, django_user_model):
    django_user_model.objects.create_user("lone@x.test", "lone@x.test", PASSWORD)
    r = APIClient().post(
        "/api/v1/auth/token/", {"email": "lone@x.test", "password": PASSWORD}, format="json"
    )
    assert_error(r, 403, "NO_BUSINESS")


def test_token_request_needs_email_and_password(db):
    r = APIClient().post("/api/v1/auth/token/", {"email": "a@b.test"}, format="json")
    body = assert_error(r, 400, "VALIDATION_ERROR")
    assert "password" in body["details"]


def test_bad_refresh_token_is_401(db):
    r = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": "x.y.z"}, format="json")
    assert_error(r, 401, "TOKEN_INVALID")


def test_me_for_an_api_key(acme):
    me = client_for(acme).get("/api/v1/me").json()
    assert me["user"] is None and me["agent"] is None
    assert me["api_key"]["prefix"] == acme.api_key.prefix
    assert me["business"]["plan"] == acme.business.plan


def test_user_in_two_businesses_names_one(acme, globex):
    actions.add_agent(globex.business, acme.agent.user, Agent.Role.ADMIN)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(acme.agent)}")
    assert_error(client.get("/api/v1/me"), 400, "BUSINESS_REQUIRED")
    me = client.get("/api/v1/me", HTTP_X_PINGBACK_BUSINESS=globex.business.public_id).json()
    assert me["business"]["id"] == globex.business.public_id
    assert me["agent"]["role"] == "admin"
    assert len(me["memberships"]) == 2


def test_header_naming_a_business_the_user_is_not_in_is_404(acme, globex):
    client = client_for(acme, "agent")
    r = client.get("/api/v1/me", HTTP_X_PINGBACK_BUSINESS=globex.business.public_id)
    assert_error(r, 404, "BUSINESS_NOT_FOUND")


def _claims(agent, **extra):
    now = int(time.time())
    claims = {
        "token_type": "access",
        "exp": now + 300,
        "iat": now,
        "jti": "abc",
        settings.SIMPLE_JWT.get("USER_ID_CLAIM", "user_id"): str(agent.user_id),
        # Tokens carry a hash of the password hash (a password change revokes them).
        "hash_password": get_md5_hash_password(agent.user.password),
    }
    claims.update(extra)
    return claims


@pytest.mark.parametrize("kind", ["expired", "malformed", "alg_none", "wrong_signature"])
def test_forged_or_broken_tokens_are_401(acme, kind):
    key = settings.SIMPLE_JWT["SIGNING_KEY"]
    token = {
        "expired": lambda: jwt.encode(
            _claims(acme.agent, exp=int(time.time()) - 10), key, algorithm="HS256"
        ),
        "malformed": lambda: "not-a.jwt",
        "alg_none": lambda: jwt.encode(_claims(acme.owner), None, algorithm="none"),
        "wrong_signature": lambda: jwt.encode(
            _claims(acme.owner), "another-secret-key-of-enough-length", algorithm="HS256"
        ),
    }[kind]()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = assert_error(client.get("/api/v1/conversations/"), 401, "TOKEN_INVALID")
    assert body["error"] == "Unauthorized"


def test_a_correctly_signed_token_is_accepted(acme):
    """The forging helper is right: the same claims signed with the real key work."""
    token = jwt.encode(_claims(acme.owner), settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/conversations/").status_code == 200


def test_missing_credentials_are_401(db):
    r = APIClient().get("/api/v1/conversations/")
    assert_error(r, 401, "UNAUTHORIZED")
    assert r["WWW-Authenticate"] == "Bearer"


def test_revoked_api_key_is_401(acme):
    actions.revoke_api_key(acme.api_key)
    assert_error(client_for(acme).get("/api/v1/conversations/"), 401, "INVALID_API_KEY")


def test_refresh_token_is_not_an_access_token(acme):
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(acme.owner.user)}")
    assert_error(client.get("/api/v1/me"), 401, "TOKEN_INVALID")
