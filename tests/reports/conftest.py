"""The browser fixtures of the inbox tests (a web server, the demo business, Chromium)."""

from tests.inbox.conftest import browser, demo, server  # noqa: F401
