"""Fixtures of the team-tool tests: REST clients (tests/api/conftest.py) and a few labels."""

import pytest

from teamtools.actions.labels import create_label


@pytest.fixture(autouse=True)
def no_anonymous_limit(settings):
    settings.API_ANON_RATE_PER_MINUTE = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def vip(acme):
    return create_label(acme.business, name="VIP", color="#D97706")


@pytest.fixture
def refund(acme):
    return create_label(acme.business, name="refund", color="#2f5bea")


@pytest.fixture
def globex_label(globex):
    return create_label(globex.business, name="globex-only", color="#12805c")


# The webhook tests' real receiver and helpers (tests/webhooks/conftest.py).
from tests.webhooks.conftest import allow_private, committed, queued, receiver  # noqa: E402, F401
