"""The rollups kept up to date batch by batch equal a recomputation from the whole event log,
for random event sequences (random times across a DST change, channels, agents, batch sizes);
and their counts equal the ones computed straight from the generated events."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations.models import Business, EventLog
from reports import rollup
from reports.models import DailyStats, HourlyOpened, TimingBucket
from tests.reports.synthetic import Story

pytestmark = pytest.mark.django_db
START = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)  # Europe and the US leave DST days apart
AGENTS = [None, 11, 12]

step = st.tuples(
    st.sampled_from(["open", "customer", "agent", "ai", "assign", "resolve", "handoff", "rate"]),
    st.integers(0, 9),  # which conversation (of those opened so far)
    st.integers(1, 6 * 3600),  # seconds after the previous step
    st.sampled_from(AGENTS),
    st.sampled_from(["webchat", "email", "whatsapp"]),
    st.integers(1, 5),
)


def tables() -> dict:
    return {
        model.__name__: sorted(
            tuple(v for k, v in row.items() if k != "id") for row in model.objects.values()
        )
        for model in (DailyStats, HourlyOpened, TimingBucket)
    }


def play(story: Story, steps) -> Counter:
    """Write the events; returns the opened count per local day, computed independently."""
    zone = ZoneInfo(story.business.timezone)
    at, opened, rated = START, Counter(), set()
    for kind, which, gap, agent, channel, score in steps:
        at += timedelta(seconds=gap)
        ids = sorted(story.convs)
        if kind == "open" or not ids:
            story.open(at, channel=channel, ai=agent is None, assignee=agent)
            opened[at.astimezone(zone).date()] += 1
            continue
        conv = ids[which % len(ids)]
        if kind in ("customer", "ai"):
            story.message(conv, at, kind)
        elif kind == "agent":
            story.message(conv, at, "agent", agent or 11)
        elif kind == "assign":
            story.assign(conv, at, agent)
        elif kind == "resolve":
            story.resolve(conv, at)
        elif kind == "handoff":
            story.handoff(conv, at)
        elif kind == "rate" and conv not in rated:
            rated.add(conv)
            story.rate(conv, at, score)
    return opened


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(step, min_size=1, max_size=40),
    cut=st.integers(0, 40),
    batch=st.integers(1, 7),
    zone=st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"]),
)
def test_incremental_rollups_equal_a_full_recomputation(acme, steps, cut, batch, zone):
    for model in (EventLog, DailyStats, HourlyOpened, TimingBucket):
        model.objects.all().delete()
    rollup.rebuild()
    Business.objects.filter(pk=acme.business.pk).update(timezone=zone)
    acme.business.refresh_from_db()
    story = Story(acme.business)
    # Part of the events is folded, more arrive, then the rest, in small batches.
    opened = play(story, steps[:cut])
    rollup.catch_up(settle=0, batch=batch)
    opened += play(story, steps[cut:])
    rollup.catch_up(settle=0, batch=batch)
    incremental = tables()

    rollup.rebuild()
    assert tables() == incremental
    per_day = Counter()
    for row in DailyStats.objects.all():
        per_day[row.day] += row.opened
    assert +per_day == +opened
    assert sum(r.opened for r in HourlyOpened.objects.all()) == sum(opened.values())
