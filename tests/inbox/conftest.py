"""Fixtures of the inbox tests; the browser ones start one daphne per module and Chromium."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connections

from conversations.demo import ensure_demo
from tests.live import ROOT, AsgiServer


@pytest.fixture(autouse=True)
def fast_password_hashing(request, settings):
    """The fixtures create a dozen users; the real hasher is deliberately slow.

    Not for browser tests: their server process must verify the passwords it is given.
    """
    if request.node.get_closest_marker("browser") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = ROOT / "test-artifacts" / "inbox"


def ensure_chromium() -> str:
    if not Path(CHROMIUM).exists() and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"], check=False
        )
    assert Path(CHROMIUM).exists(), "Chromium is required: apt-get install chromium"
    return CHROMIUM


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), AsgiServer() as live:
        yield live


@pytest.fixture
def demo():
    """The demo business, created before the browser starts (the ORM then runs alone)."""
    return ensure_demo()


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made while it
    # runs are plain, sequential test code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=ensure_chromium(), args=ARGS)
        yield chromium
        chromium.close()
        # ORM calls made while Playwright's loop ran may hold their own connection: close it,
        # or PostgreSQL cannot drop the test database at the end of the session.
        connections.close_all()
