"""Report figures against hand-computed fixtures: local days and hours in the business's time
zone (a DST change, a day boundary), counts, medians and p90 (log buckets: within 5 %)."""

from datetime import UTC, date, datetime

import pytest

from conversations import actions
from reports import rollup
from reports.queries import Filters, summary
from tests.reports.synthetic import Story

pytestmark = pytest.mark.django_db


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def near(value, expected, tolerance=0.05):
    return value is not None and abs(value - expected) <= expected * tolerance


@pytest.fixture
def paris(acme):
    actions.do_update_business_settings(acme.business, timezone="Europe/Paris")
    acme.business.refresh_from_db()
    return acme


def test_days_and_hours_follow_the_business_time_zone_across_dst(paris):
    story = Story(paris.business)
    story.open(utc(2026, 3, 28, 22, 59))  # 23:59 CET, Saturday 28th
    story.open(utc(2026, 3, 28, 23, 30))  # 00:30 CET, Sunday 29th: the next local day
    story.open(utc(2026, 3, 29, 1, 30))  # 03:30 CEST: clocks went forward at 01:00 UTC
    story.open(utc(2026, 3, 29, 22, 30))  # 00:30 CEST, Monday 30th
    rollup.catch_up(settle=0)
    report = summary(paris.business, Filters(date(2026, 3, 28), date(2026, 3, 30)))
    assert [d["opened"] for d in report["days"]] == [1, 2, 1]
    heat = report["heatmap"]
    assert heat[5][23] == 1  # Saturday 23h
    assert heat[6][0] == 1 and heat[6][3] == 1  # Sunday 00h and 03h (02h never existed)
    assert heat[0][0] == 1  # Monday 00h
    assert sum(map(sum, heat)) == 4
    # Saturday and Sunday, Paris time: 3 (counted in UTC days, the 29th would hold 3 alone).
    utc_report = summary(paris.business, Filters(date(2026, 3, 28), date(2026, 3, 29)))
    assert utc_report["conversations"]["opened"] == 3


def test_counts_timings_csat_and_ai_figures(paris, globex):
    a, b = paris.agent.pk, paris.other_agent.pk
    story = Story(paris.business)
    t = utc(2026, 6, 1, 8, 0)
    # 1: answered by a after 60 s, resolved after 1 h, rated 5.
    c1 = story.open(t)
    story.message(c1, t, "customer")
    story.assign(c1, utc(2026, 6, 1, 8, 0, 30), a)  # waited 30 s
    story.message(c1, utc(2026, 6, 1, 8, 1), "agent", a)
    story.message(c1, utc(2026, 6, 1, 8, 5), "agent", a)
    story.resolve(c1, utc(2026, 6, 1, 9, 0))
    story.rate(c1, utc(2026, 6, 1, 9, 1), 5)
    # 2: answered by b after 120 s, resolved after 2 h, rated 2.
    c2 = story.open(t, channel="email")
    story.message(c2, t, "customer")
    story.message(c2, utc(2026, 6, 1, 8, 2), "agent", b)
    story.resolve(c2, utc(2026, 6, 1, 10, 0))
    story.rate(c2, utc(2026, 6, 1, 10, 5), 2)
    # 3: the AI answers and resolves it alone.
    c3 = story.open(t, ai=True)
    story.message(c3, t, "customer")
    story.message(c3, utc(2026, 6, 1, 8, 0, 5), "ai")
    story.resolve(c3, utc(2026, 6, 1, 8, 10))
    # 4: the AI hands off; a answers after 600 s; not resolved; reopened noise.
    c4 = story.open(t, ai=True)
    story.message(c4, t, "customer")
    story.handoff(c4, utc(2026, 6, 1, 8, 1))
    story.message(c4, utc(2026, 6, 1, 8, 10), "agent", a)
    story.reopen(c4, utc(2026, 6, 1, 8, 11))
    # Another business's events never count here.
    Story(globex.business).open(t)
    rollup.catch_up(settle=0)

    r = summary(paris.business, Filters(date(2026, 6, 1), date(2026, 6, 1)))
    assert r["conversations"] == {"opened": 4, "resolved": 3}
    assert r["messages"] == {"received": 4, "sent": 5}
    frt = r["first_response_seconds"]
    assert frt["count"] == 3 and near(frt["median"], 120) and near(frt["p90"], 600)
    res = r["resolution_seconds"]
    assert res["count"] == 3 and near(res["median"], 3600) and near(res["p90"], 7200)
    assert r["waiting_seconds"]["count"] == 1 and near(r["waiting_seconds"]["median"], 30)
    assert r["csat"] == {"responses": 2, "average": 3.5, "satisfied_share": 0.5}
    assert r["ai"] == {"handoffs": 1, "resolved": 1, "resolved_share": 0.3333}

    by_a = summary(paris.business, Filters(date(2026, 6, 1), date(2026, 6, 1), agent_id=a))
    assert by_a["messages"]["sent"] == 3
    assert by_a["first_response_seconds"]["count"] == 2
    assert by_a["csat"]["responses"] == 1 and by_a["csat"]["average"] == 5
    email = summary(paris.business, Filters(date(2026, 6, 1), date(2026, 6, 1), channel="email"))
    assert email["conversations"] == {"opened": 1, "resolved": 1}
    assert email["csat"]["average"] == 2
    empty = summary(paris.business, Filters(date(2026, 6, 2), date(2026, 6, 3)))
    assert (
        empty["conversations"]["opened"] == 0 and empty["first_response_seconds"]["median"] is None
    )


def test_a_label_report_counts_messages_on_local_days_across_dst(paris):
    """A label report reads the labelled conversations' messages (the database counts them per
    local day): Paris's autumn DST change and both sides of two midnights."""
    from conversations.actions import Actor
    from conversations.models import Conversation, Message
    from teamtools.actions.labels import create_label, do_set_labels

    vip = create_label(paris.business, name="vip")
    conv = paris.start("Hello")  # the opening message, moved below
    unlabelled = paris.start("Not counted")
    do_set_labels(conv, add=[vip], actor=Actor.of_agent(paris.owner))
    Conversation.objects.filter(pk__in=[conv.pk, unlabelled.pk]).update(
        created_at=utc(2026, 10, 24, 21, 0)  # 23:00 CEST, Saturday 24th
    )

    def post(sender, at, **kw):
        msg, _ = actions.do_post_message(conv, sender_type=sender, content="x", **kw)
        Message.objects.filter(pk=msg.pk).update(created_at=at)

    Message.objects.filter(conversation=conv).update(created_at=utc(2026, 10, 24, 21, 59))
    post("agent", utc(2026, 10, 24, 22, 30), agent=paris.agent)  # 00:30 CEST, Sunday 25th
    post("customer", utc(2026, 10, 25, 0, 30))  # 02:30 CEST, Sunday
    post("customer", utc(2026, 10, 25, 1, 30))  # 02:30 CET again: clocks went back at 01:00
    post("system", utc(2026, 10, 25, 22, 59), is_ai=True)  # 23:59 CET: the AI, sent on Sunday
    post("system", utc(2026, 10, 25, 23, 0))  # 00:00 CET, Monday 26th: a notice, not counted
    post("customer", utc(2026, 10, 25, 23, 0))  # Monday
    Message.objects.filter(conversation=unlabelled).update(created_at=utc(2026, 10, 25, 12))

    report = summary(
        paris.business, Filters(date(2026, 10, 24), date(2026, 10, 26), label_id=vip.pk)
    )
    days = [(d["day"], d["messages_in"], d["messages_out"]) for d in report["days"]]
    assert days == [("2026-10-24", 1, 0), ("2026-10-25", 2, 2), ("2026-10-26", 1, 0)]
    assert report["messages"] == {"received": 4, "sent": 2}
    assert report["conversations"]["opened"] == 1
