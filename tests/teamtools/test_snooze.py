"""Snooze: pending until a time, reopened by beat's task, or sooner by the customer writing."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from conversations import actions, errors
from conversations.actions import Actor
from conversations.events import EventType
from conversations.pocketping_events import POCKETPING
from teamtools.actions.snooze import do_snooze
from teamtools.snooze_times import preset_until
from teamtools.tasks import wake_snoozed
from tests.api.conftest import assert_error, client_for

pytestmark = pytest.mark.django_db


def later(**delta):
    return timezone.now() + timedelta(**delta)


@pytest.mark.django_db(transaction=True)
def test_snooze_then_beat_reopens_it(acme, captured_events):
    conv = acme.start()
    conv = do_snooze(conv, later(hours=1), actor=Actor.of_agent(acme.agent))
    assert conv.status == "pending" and conv.snoozed_until is not None
    (event,) = [e for e in captured_events if e.type == EventType.CONVERSATION_SNOOZED]
    assert POCKETPING.render(event)[0][0] == "session.snoozed"
    assert wake_snoozed() == 0  # not yet
    conv.snoozed_until = later(seconds=-1)
    conv.save(update_fields=["snoozed_until"])
    assert wake_snoozed() == 1
    conv.refresh_from_db()
    assert conv.status == "open" and conv.snoozed_until is None
    woke = [e for e in captured_events if e.type == EventType.CONVERSATION_STATUS_CHANGED][-1]
    assert woke.data["actor"]["type"] == "system" and woke.data["status"] == "open"


def test_the_customer_writing_ends_the_snooze(acme):
    conv = do_snooze(acme.start(), later(days=1), actor=Actor.of_agent(acme.owner))
    actions.do_post_message(conv, sender_type="customer", content="Any news?")
    conv.refresh_from_db()
    assert conv.status == "open" and conv.snoozed_until is None
    # A later manual "pending" does not bring the old snooze back.
    actions.do_set_pending(conv, actor=Actor.of_agent(acme.owner))
    conv.refresh_from_db()
    assert conv.snoozed_until is None


def test_bad_snoozes_are_refused(acme):
    conv = acme.start()
    actor = Actor.of_agent(acme.owner)
    for until in (later(seconds=-5), later(days=400), datetime(2030, 1, 1)):
        with pytest.raises(errors.ValidationFailed):
            do_snooze(conv, until, actor=actor)
    actions.do_resolve(conv, actor=actor)
    with pytest.raises(errors.InvalidTransition):
        do_snooze(conv, later(hours=1), actor=actor)


def test_presets_in_the_business_time_zone():
    now = datetime(2026, 11, 27, 22, 30, tzinfo=UTC)  # Friday 22:30 UTC
    assert preset_until("1h", now, "UTC") == now + timedelta(hours=1)
    tomorrow = preset_until("tomorrow", now, "Asia/Tokyo")  # Saturday 07:30 in Tokyo
    assert tomorrow.isoformat() == "2026-11-29T09:00:00+09:00"
    monday = preset_until("next_week", now, "Europe/Paris")
    assert monday.isoformat() == "2026-11-30T09:00:00+01:00"
    with pytest.raises(errors.ValidationFailed):
        preset_until("someday", now, "UTC")


def test_rest_snooze_and_wake(acme, globex):
    conv = acme.start()
    agent = client_for(acme, "agent")
    snoozed = agent.post(f"/api/v1/conversations/{conv.pk}/snooze", {"preset": "tomorrow"})
    assert snoozed.status_code == 200, snoozed.content
    assert snoozed.json()["status"] == "pending" and snoozed.json()["snoozed_until"]
    at = agent.post(f"/api/v1/conversations/{conv.pk}/snooze", {"until": "2099-01-01T10:00:00"})
    assert_error(at, 400, "VALIDATION_ERROR")  # more than a year ahead
    soon = (timezone.now() + timedelta(hours=2)).isoformat()
    assert agent.post(f"/api/v1/conversations/{conv.pk}/snooze", {"until": soon}).status_code == 200
    for bad in ({}, {"preset": "1h", "until": soon}, {"preset": "never"}, {"until": "soon"}, [1]):
        response = agent.post(f"/api/v1/conversations/{conv.pk}/snooze", bad)
        assert response.status_code == 400, (bad, response.content)
        assert set(response.json()) >= {"error", "message", "code"}
    woke = agent.delete(f"/api/v1/conversations/{conv.pk}/snooze")
    assert woke.json()["status"] == "open" and woke.json()["snoozed_until"] is None
    assert_error(
        agent.delete(f"/api/v1/conversations/{conv.pk}/snooze"), 409, "INVALID_STATUS_TRANSITION"
    )
    theirs = globex.start()
    for call in (agent.post, agent.delete):
        assert_error(
            call(f"/api/v1/conversations/{theirs.pk}/snooze", {"preset": "1h"}),
            404,
            "CONVERSATION_NOT_FOUND",
        )
