"""The browser fixtures of the inbox tests (a daphne server, the demo business, Chromium)."""

from tests.inbox.conftest import browser, demo, server  # noqa: F401
