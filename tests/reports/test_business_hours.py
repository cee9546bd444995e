"""First response and resolution times in business hours (``business_hours=true``), hand
computed across a closed night and a weekend: REST and the inbox page toggle, bad input, and
another business."""

import re
from datetime import UTC, datetime

import pytest

from business_settings.actions import update_business_hours
from conversations import actions
from conversations.models import Conversation
from tests.api.conftest import assert_error, client_for
from tests.test_business_settings import as_member

pytestmark = pytest.mark.django_db(transaction=True)
SUMMARY = "/api/v1/reports/summary"
WEEKDAYS = {str(d): [["09:00", "18:00"]] for d in range(5)}  # Mon-Fri 09:00-18:00
JUNE_5_TO_9 = {"from": "2026-06-05", "to": "2026-06-09", "business_hours": "true"}


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.API_ANON_RATE_PER_MINUTE = 0


def paris(hour_day: tuple[int, int, int]) -> datetime:
    """(day of June 2026, hour, minute) in Paris (CEST, UTC+2) as UTC."""
    day, hour, minute = hour_day
    return datetime(2026, 6, day, hour - 2, minute, tzinfo=UTC)


def chat(team, created, first, resolved, *, agent=None) -> Conversation:
    conv = team.start("hello")
    Conversation.objects.filter(pk=conv.pk).update(
        created_at=paris(created),
        first_response_at=paris(first),
        resolved_at=paris(resolved),
        status=Conversation.Status.RESOLVED,
        assignee=agent,
    )
    return conv


@pytest.fixture
def opening_hours(acme, globex):
    actions.do_update_business_settings(acme.business, timezone="Europe/Paris")
    acme.business.refresh_from_db()
    update_business_hours(acme.business, enabled=True, weekly=WEEKDAYS)
    # Friday 5 June 17:00 → answered Monday 09:30 (weekend closed), resolved Monday 10:00:
    # first response 1 h + 30 min = 5,400 s; resolution 1 h + 1 h = 7,200 s.
    chat(acme, (5, 17, 0), (8, 9, 30), (8, 10, 0), agent=acme.agent)
    # Monday 20:00 → answered Tuesday 08:00 (all closed: 0 s), resolved Tuesday 09:15: 900 s.
    chat(acme, (8, 20, 0), (9, 8, 0), (9, 9, 15))
    # Tuesday 10:00 → answered 10:02 (120 s), resolved 11:00 (3,600 s): all open.
    chat(acme, (9, 10, 0), (9, 10, 2), (9, 11, 0))
    # Another business, same instants, a week-long answer: never counted at Acme.
    chat(globex, (5, 9, 0), (9, 17, 0), (9, 17, 30))
    return acme


def near(value, expected, tolerance=0.05):
    return value is not None and abs(value - expected) <= expected * tolerance


def test_times_in_business_hours_skip_the_closed_night_and_weekend(opening_hours):
    body = client_for(opening_hours, "key").get(SUMMARY, JUNE_5_TO_9).json()
    assert body["business_hours"] is True
    first, resolution = body["first_response_seconds"], body["resolution_seconds"]
    # Sorted: 0, 120, 5,400 s → median 120 s, p90 5,400 s (log buckets: within 5 %).
    assert first["count"] == 3 and near(first["median"], 120) and near(first["p90"], 5400)
    # Sorted: 900, 3,600, 7,200 s.
    assert resolution["count"] == 3
    assert near(resolution["median"], 3600) and near(resolution["p90"], 7200)
    daily = {d["day"]: d["first_response_median"] for d in body["days"]}
    assert daily["2026-06-05"] is None and near(daily["2026-06-08"], 5400)
    assert daily["2026-06-09"] < 1  # nearest rank of (0 s, 120 s): the 0 s answer
    alice = client_for(opening_hours, "owner").get(
        SUMMARY, {**JUNE_5_TO_9, "agent_id": opening_hours.agent.pk}
    )
    assert alice.json()["first_response_seconds"]["count"] == 1
    assert near(alice.json()["resolution_seconds"]["median"], 7200)


def test_holidays_count_as_closed(opening_hours):
    update_business_hours(opening_hours.business, holidays=["2026-06-08"])
    body = client_for(opening_hours, "key").get(SUMMARY, JUNE_5_TO_9).json()
    # Friday's chat: 1 h on Friday, Monday is a holiday → answered and resolved in 3,600 s.
    assert near(body["days"][3]["first_response_median"], 3600)


def test_bad_input_and_businesses_without_hours(opening_hours, globex):
    key = client_for(opening_hours, "key")
    body = assert_error(key.get(SUMMARY, {"business_hours": "maybe"}), 400, "VALIDATION_ERROR")
    assert "business_hours" in str(body)
    without = client_for(globex, "owner").get(SUMMARY, {"business_hours": "true"})
    body = assert_error(without, 400, "VALIDATION_ERROR")
    assert "business hours" in body["message"]
    assert key.get(SUMMARY, {"business_hours": "false"}).json()["business_hours"] is False


def test_inbox_page_toggle(opening_hours, globex):
    owner = as_member(opening_hours.owner)
    plain = owner.get("/inbox/reports/", {"from": "2026-06-05", "to": "2026-06-09"})
    assert 'name="business_hours"' in plain.content.decode()
    assert "(business hours)" not in plain.content.decode()
    page = owner.get("/inbox/reports/", JUNE_5_TO_9).content.decode()
    assert "checked> Times in business hours" in page
    assert "first response, median (business hours)" in page
    p90 = re.search(r"p90 (\d+) s", page)  # the first figure card: first response
    assert p90 and near(int(p90.group(1)), 5400)
    other = as_member(globex.owner).get("/inbox/reports/").content.decode()
    assert 'name="business_hours"' not in other
    assert as_member(globex.owner).get("/inbox/reports/", JUNE_5_TO_9).status_code == 400
