"""REST API fixtures: authenticated clients for each kind of caller of Acme and Globex."""

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from conversations import actions
from conversations.actions import Actor


@pytest.fixture(autouse=True)
def no_anonymous_limit(settings):
    """Tests share 127.0.0.1; the per-IP limit is tested on its own in test_rate_limits."""
    settings.API_ANON_RATE_PER_MINUTE = 0
    # Fixture users are created with a password; a fast hasher keeps these tests quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def jwt_for(agent) -> str:
    return str(RefreshToken.for_user(agent.user).access_token)


def client_for(tenant, who: str = "key") -> APIClient:
    """``who``: key, owner, admin, agent or other_agent."""
    client = APIClient()
    client.default_format = "json"
    token = tenant.raw_api_key if who == "key" else jwt_for(getattr(tenant, who))
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def as_key(acme):
    return client_for(acme, "key")


@pytest.fixture
def as_owner(acme):
    return client_for(acme, "owner")


@pytest.fixture
def as_agent(acme):
    return client_for(acme, "agent")


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"error", "message", "code"}, body
    assert body["code"] == code, body
    return body


def agent_message(tenant, conv, text="Hi from the team", agent=None):
    msg, _ = actions.do_post_message(
        conv, sender_type="agent", content=text, agent=agent or tenant.agent
    )
    return msg


def assign(tenant, conv, agent):
    return actions.do_assign(conv, agent, actor=Actor.of_agent(tenant.owner))
