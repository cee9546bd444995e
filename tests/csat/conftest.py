"""The webhook fixtures (a real local receiver) and the browser fixtures of the inbox tests."""

from tests.inbox.conftest import browser, demo, server  # noqa: F401
from tests.webhooks.conftest import (  # noqa: F401
    _fast_password_hashing,
    allow_private,
    committed,
    queued,
    receiver,
)
