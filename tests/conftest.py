"""Shared fixtures: two businesses (Acme and Globex) so every test can check isolation."""

import functools
import os
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from conversations import actions
from conversations.actions import Actor
from conversations.models import Agent, ApiKey, Business, Conversation, Customer

PASSWORD = "correct-horse-battery"


def _flush_retrying_deadlocks() -> None:
    """Live servers run the in-process beat (report folds, snooze wake-ups, waiting-chat
    assignment, the webhook sweeper) against the test database. On PostgreSQL the TRUNCATE that
    ends a transactional test can deadlock with such a job; PostgreSQL then aborts one of the two,
    and if that is the flush the next test starts on stale rows. The job retries on its next
    tick by design; the flush retries here."""
    import time

    from django.db import OperationalError
    from django.db.backends.base.operations import BaseDatabaseOperations

    flush = BaseDatabaseOperations.execute_sql_flush
    if getattr(flush, "retries_deadlocks", False):
        return

    def execute_sql_flush(self, sql_list):
        for attempt in range(6):
            try:
                return flush(self, sql_list)
            except OperationalError as exc:
                if "deadlock detected" not in str(exc) or attempt == 5:
                    raise
                time.sleep(0.1 * (attempt + 1))

    execute_sql_flush.retries_deadlocks = True  # type: ignore[attr-defined]
    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]


_flush_retrying_deadlocks()


@dataclass
class Tenant:
    business: Business
    owner: Agent
    admin: Agent
    agent: Agent
    other_agent: Agent
    customer: Customer
    api_key: ApiKey
    raw_api_key: str

    def start(self, text="Hello there", customer=None, **kwargs) -> Conversation:
        """A customer-initiated conversation with one opening message."""
        customer = customer or self.customer
        conv, _ = actions.do_start_conversation(
            self.business,
            customer,
            actor=Actor.of_customer(customer),
            opening_message=text,
            **kwargs,
        )
        return conv


@functools.cache
def _password_hash(hashers: tuple) -> str:
    return make_password(PASSWORD)


def password_hash() -> str:
    """PASSWORD, hashed once per test process and hasher setting (the real default hasher, so
    live servers verify it) instead of once per fixture user: PBKDF2 dominated set-up time."""
    from django.conf import settings

    return _password_hash(tuple(settings.PASSWORD_HASHERS))


def make_tenant(slug: str, plan=Business.Plan.SELF_HOSTED) -> Tenant:
    User = get_user_model()
    business = actions.create_business(f"{slug.title()} Inc", plan=plan)

    def member(role, name):
        email = f"{name}@{slug}.test"
        user = User.objects.create_user(username=email, email=email, first_name=name.title())
        user.password = password_hash()
        user.save(update_fields=["password"])
        return actions.add_agent(business, user, role)

    owner = member(Agent.Role.OWNER, "olivia")
    admin = member(Agent.Role.ADMIN, "adam")
    agent = member(Agent.Role.AGENT, "alice")
    other_agent = member(Agent.Role.AGENT, "arthur")
    customer = actions.create_customer(
        business, name=f"{slug} customer", email=f"customer@{slug}-mail.test"
    )
    key, raw = actions.create_api_key(business, "test key")
    return Tenant(business, owner, admin, agent, other_agent, customer, key, raw)


@pytest.fixture(scope="session", autouse=True)
def _no_gc_freezer_in_the_test_process():
    """In-process servers would start the collector's freezer (pingback.gc_pauses) in the test
    process, whose heap is the tests' own: tests that count on gc.collect() freeing a cycle
    would wait for its next full collection. Server subprocesses run it as in production."""
    from pingback import gc_pauses

    gc_pauses.freezer.enabled = False


@pytest.fixture(scope="session", autouse=True)
def _pool_connections_closed(django_db_setup, django_db_blocker):
    """Threads that keep database connections between calls (the bridge's pool, servers' hot
    path) let them go at the end of the run, before pytest-django drops the test databases
    (which it cannot do while another session uses them)."""
    yield
    from django.db import connection

    from pingback.bridge import bridge

    bridge.close_pool()
    if connection.vendor == "postgresql":
        # Other threads' kept connections (in-process servers' sync_to_async threads): ended
        # here, since only their own thread may close them.
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(autouse=True)
def in_process_tasks(settings):
    """Background tasks run on the in-process pool in every test, with or without REDIS_URL,
    so a test behaves the same locally and in CI and never leaves tasks on a shared broker.
    Tests of real Celery workers opt back in (``CELERY_TASK_ALWAYS_EAGER = False``).
    The in-process beat a test may have started (webhook deliveries start it) stops with it,
    so no sweeper thread outlives its test and acts on the next one's data. The event
    pipeline's bridge drains too."""
    from pingback import beat
    from pingback.bridge import bridge

    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield
    # Events a test committed are delivered before the next test starts (no background
    # subscriber acts on the next test's data).
    bridge.wait_idle()
    beat.stop()


@pytest.fixture
def acme(db) -> Tenant:
    return make_tenant("acme")


@pytest.fixture
def globex(db) -> Tenant:
    return make_tenant("globex")


@pytest.fixture
def captured_events():
    """Every event dispatched (after commit) while the test runs."""
    from conversations import events

    seen: list = []
    events.subscribe("test-capture", seen.append)
    yield seen
    events.unsubscribe("test-capture")


def clear_cache() -> None:
    """Empty this test run's cache keys only.

    ``cache.clear()`` on Redis is FLUSHDB: it would also wipe what parallel test workers keep
    in the same Redis database (Celery queues, rate-limit counters) in the middle of their
    tests. Locmem caches are private to the process and cleared whole.
    """
    from django.conf import settings
    from django.core.cache import cache

    if not settings.REDIS_URL:
        cache.clear()
        return
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        keys = list(client.scan_iter(f"{settings.CACHES['default']['KEY_PREFIX']}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def email_in_memory(settings):
    """Email sent by the test process lands in ``django.core.mail.outbox`` unless the test uses
    the real SMTP server (``smtp_server``)."""
    settings.EMAIL_URL = "locmem://"


@pytest.fixture
def smtp_server(settings, email_in_memory):
    """A real SMTP server (aiosmtpd on 127.0.0.1) collecting what PingBack sends: this process's
    ``EMAIL_URL`` points at it; pass ``EMAIL_URL=smtp_server.url`` to a live server process."""
    from tests.mailbox import start_smtp_server

    controller, mailbox = start_smtp_server()
    settings.EMAIL_URL = mailbox.url
    yield mailbox
    controller.stop()
