"""Debian's Chromium driven by Playwright, for every browser test.

``browser_fixture(shots)`` makes a module's ``browser`` fixture: a fresh Chromium per test whose
screenshots go to ``shots`` (under test-artifacts/).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def ensure_chromium() -> str:
    if not Path(CHROMIUM).exists() and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"], check=False
        )
    assert Path(CHROMIUM).exists(), "Chromium is required: apt-get install chromium"
    return CHROMIUM


@contextmanager
def chromium(shots: Path) -> Iterator:
    from playwright.sync_api import sync_playwright

    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=ensure_chromium(), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
            # ORM calls made while Playwright's loop ran may hold their own connection: close
            # it, or PostgreSQL cannot drop the test database at the end of the session.
            connections.close_all()


def browser_fixture(shots: Path):
    @pytest.fixture
    def browser(monkeypatch):
        # Playwright's sync API runs an event loop in this thread; the ORM calls made while it
        # runs are plain, sequential test code.
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with chromium(shots) as launched:
            yield launched

    return browser
