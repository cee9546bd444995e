from contextlib import contextmanager

import pytest
from django.db.models import Max

from pingback import beat
from tests.webhooks.receiver import Receiver
from webhooks import actions


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def allow_private(settings):
    """Local receivers live on 127.0.0.1: allow private addresses (as operators may)."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 0  # retries are due at once; tests drive them
    settings.WEBHOOKS_TIMEOUT_SECONDS = 1
    return settings


@pytest.fixture
def queued(monkeypatch):
    """Delivery ids handed to the task queue, instead of sending them from a pool thread."""
    from webhooks import delivery, outbox

    ids: list[int] = []
    for module in (delivery, outbox):
        monkeypatch.setattr(module, "enqueue_delivery", lambda i, countdown=None: ids.append(i))
    return ids


@pytest.fixture(autouse=True)
def _no_sweeper_left():
    yield
    beat.stop()


@pytest.fixture
def acme_hook(acme, receiver, allow_private):
    endpoint, secret = actions.create_endpoint(acme.business, url=receiver.url, events=["*"])
    endpoint.raw_secret = secret
    return endpoint


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The tenant fixtures create eight users; the default hasher makes that seconds per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): action()`` — the action's events fanned out to webhooks.

    These tests run inside a transaction that never commits, and the pipeline's webhook
    subscriber runs off the committing thread (on another connection that cannot see this
    transaction): do its work, the fan-out task, here in the test thread, in event order.
    """
    from conversations.events import dispatch
    from conversations.models import EventLog
    from webhooks import delivery

    @contextmanager
    def run():
        last = EventLog.objects.aggregate(last=Max("id"))["last"] or 0
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            yield
        for callback in callbacks:  # other on-commit work (e.g. a replay's enqueue) runs
            if getattr(callback, "func", None) is not dispatch:
                callback()
        new = EventLog.objects.filter(id__gt=last).order_by("id").values_list("id", flat=True)
        for event_id in list(new):
            delivery.fan_out_event(event_id)

    return run
