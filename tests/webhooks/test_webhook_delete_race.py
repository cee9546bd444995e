"""Deleting an endpoint while one of its deliveries records an attempt (PostgreSQL): the delete
waits for the attempt and removes it too, instead of failing at commit with a foreign-key
violation (a 500 seen in CI from the generated-client flow)."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from tests.services import in_ci
from webhooks import actions
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db(transaction=True)


def backends_waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_deleting_an_endpoint_while_an_attempt_is_recorded(acme, allow_private, receiver):
    if connection.vendor != "postgresql":
        assert not in_ci(), "CI runs this on PostgreSQL"
        pytest.skip("row locks: PostgreSQL only (SQLite serialises every write)")
    endpoint, _ = actions.create_endpoint(acme.business, url=receiver.url, events=["*"])
    delivery = WebhookDelivery.objects.create(
        business=acme.business,
        endpoint=endpoint,
        event_id=1,
        webhook_id="evt_1",
        event_type="message.created",
        body="{}",
        next_attempt_at=timezone.now(),
    )
    inserted, failure = threading.Event(), []

    def record_an_attempt():
        # A delivery task writing its attempt: the row is inserted, not yet committed, while
        # the delete starts; it commits once the delete waits on it.
        try:
            with transaction.atomic():
                # As the task's autocommit insert does: the foreign key is checked (and its
                # delivery row key-share locked) by the insert itself, not at commit.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                WebhookAttempt.objects.create(
                    delivery_id=delivery.pk, number=1, started_at=timezone.now()
                )
                inserted.set()
                deadline = timezone.now().timestamp() + 20
                while backends_waiting_on_a_lock() == 0:
                    assert timezone.now().timestamp() < deadline, "the delete never waited"
        except Exception as exc:  # reported to the test thread
            failure.append(exc)
            inserted.set()
        finally:
            connections.close_all()

    worker = threading.Thread(target=record_an_attempt)
    worker.start()
    assert inserted.wait(20)
    actions.delete_endpoint(endpoint)  # waits for the attempt's commit, then removes it too
    worker.join(20)
    assert failure == []
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert not WebhookAttempt.objects.filter(delivery_id=delivery.pk).exists()
