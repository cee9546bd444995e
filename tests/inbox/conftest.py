"""Fixtures of the inbox tests; the browser ones start one web server per module and Chromium."""

import pytest

from conversations.demo import ensure_demo
from tests.browser import browser_fixture
from tests.live import ROOT, AsgiServer


@pytest.fixture(autouse=True)
def fast_password_hashing(request, settings):
    """The fixtures create a dozen users; the real hasher is deliberately slow.

    Not for browser tests: their server process must verify the passwords it is given.
    """
    if request.node.get_closest_marker("browser") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


SHOTS = ROOT / "test-artifacts" / "inbox"


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), AsgiServer() as live:
        yield live


@pytest.fixture
def demo():
    """The demo business, created before the browser starts (the ORM then runs alone)."""
    return ensure_demo()


browser = browser_fixture(SHOTS)
