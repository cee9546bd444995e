"""/api/v1/reports/…: figures from real actions, CSV, background conversation exports; roles,
bad input and other businesses."""

import csv
import io
from datetime import date

import pytest

from conversations import actions
from conversations.actions import Actor
from csat.actions import do_rate_conversation
from pingback.tasks import wait_for_local_tasks
from reports import rollup
from reports.filters import today_in
from tests.api.conftest import assert_error, client_for

pytestmark = pytest.mark.django_db(transaction=True)
SUMMARY, CSV, EXPORTS = "/api/v1/reports/summary", "/api/v1/reports/csv", "/api/v1/reports/exports"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.API_ANON_RATE_PER_MINUTE = 0


@pytest.fixture
def busy(acme, globex):
    """Today: two chats at Acme, one answered by Alice, resolved and rated; one at Globex."""
    conv = acme.start("Where is my parcel?")
    actions.do_post_message(conv, sender_type="agent", content="On its way", agent=acme.agent)
    actions.do_resolve(conv, actor=Actor.of_agent(acme.agent))
    do_rate_conversation(conv, score=5, actor=Actor.of_customer(conv.customer))
    acme.start("Another question", channel_type="email")
    globex.start("Globex only")
    wait_for_local_tasks(30)
    rollup.catch_up(settle=0)
    return acme


def test_owner_reads_todays_figures(busy):
    body = client_for(busy, "owner").get(SUMMARY).json()
    assert body["from"] <= today_in(busy.business).isoformat() == body["to"]
    assert body["conversations"] == {"opened": 2, "resolved": 1}
    assert body["messages"] == {"received": 2, "sent": 1}
    assert body["first_response_seconds"]["count"] == 1
    assert body["csat"] == {"responses": 1, "average": 5.0, "satisfied_share": 1.0}
    assert len(body["days"]) == 7 and body["days"][-1]["opened"] == 2
    assert sum(map(sum, body["heatmap"])) == 2


def test_filters_by_channel_and_agent(busy):
    client = client_for(busy, "key")
    email = client.get(SUMMARY, {"channel": "email"}).json()
    assert email["conversations"]["opened"] == 1 and email["messages"]["sent"] == 0
    alice = client.get(SUMMARY, {"agent_id": busy.agent.pk}).json()
    assert alice["messages"]["sent"] == 1 and alice["conversations"]["resolved"] == 1


@pytest.mark.parametrize(
    "query, field",
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "from"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "from"),
        ({"channel": "pigeon"}, "channel"),
    ],
)
def test_bad_filters_are_refused(acme, query, field):
    body = assert_error(client_for(acme, "owner").get(SUMMARY, query), 400, "VALIDATION_ERROR")
    assert field in str(body)


def test_agents_may_not_read_reports_and_other_businesses_stay_apart(busy, globex):
    agent = client_for(busy, "agent")
    for url in (SUMMARY, CSV + "?report=days", EXPORTS + "/1"):
        assert_error(agent.get(url), 403, "FORBIDDEN")
    assert_error(agent.post(EXPORTS), 403, "FORBIDDEN")
    owner = client_for(busy, "owner")
    assert_error(owner.get(SUMMARY, {"agent_id": globex.agent.pk}), 404, "AGENT_NOT_FOUND")
    assert_error(owner.get(SUMMARY, {"agent_id": "x"}), 404, "AGENT_NOT_FOUND")
    theirs = client_for(globex, "owner").get(SUMMARY).json()
    assert theirs["conversations"]["opened"] == 1


def test_every_report_as_csv(busy):
    client = client_for(busy, "admin")
    days = client.get(CSV, {"report": "days"})
    assert days["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(days.streaming_content).decode())))
    assert rows[0][:3] == ["day", "opened", "resolved"] and rows[-1][1:3] == ["2", "1"]
    heat = list(
        csv.reader(
            io.StringIO(b"".join(client.get(CSV, {"report": "heatmap"}).streaming_content).decode())
        )
    )
    assert heat[0][0] == "weekday" and len(heat) == 8
    totals = b"".join(client.get(CSV, {"report": "totals"}).streaming_content).decode()
    assert "conversations.opened,2" in totals and "csat.average,5.0" in totals
    assert_error(client.get(CSV, {"report": "everything"}), 400, "VALIDATION_ERROR")


def test_conversation_export_runs_in_the_background_with_progress(busy, globex):
    client = client_for(busy, "owner")
    started = client.post(EXPORTS + f"?from={date.today():%Y-%m-01}")
    assert started.status_code == 202
    export_id = started.json()["id"]
    wait_for_local_tasks(30)
    body = client.get(f"{EXPORTS}/{export_id}").json()
    assert body["status"] == "ready" and body["done"] == body["total"] == 2
    download = client.get(body["download_url"])
    rows = list(csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert {r["first_message_text"] for r in rows} == {"Where is my parcel?", "Another question"}
    other = client_for(globex, "owner")
    assert_error(other.get(f"{EXPORTS}/{export_id}"), 404, "EXPORT_NOT_FOUND")
    assert_error(other.get(f"{EXPORTS}/{export_id}/download"), 404, "EXPORT_NOT_FOUND")


def test_label_filter_matches_the_rollups_when_every_conversation_carries_it(busy, globex):
    from conversations.models import Conversation
    from teamtools.actions.labels import create_label, do_set_labels

    vip = create_label(busy.business, name="vip")
    other = create_label(busy.business, name="other")
    owner = Actor.of_agent(busy.owner)
    for conv in Conversation.objects.filter(business=busy.business):
        do_set_labels(conv, add=[vip], actor=owner)
    client = client_for(busy, "owner")
    whole, labelled = client.get(SUMMARY).json(), client.get(SUMMARY, {"label_id": vip.pk}).json()
    for key in ("conversations", "messages", "csat", "ai", "heatmap"):
        assert labelled[key] == whole[key], key
    assert labelled["first_response_seconds"] == whole["first_response_seconds"]
    assert labelled["resolution_seconds"] == whole["resolution_seconds"]
    assert client.get(SUMMARY, {"label_id": other.pk}).json()["conversations"]["opened"] == 0
    foreign = create_label(globex.business, name="theirs")
    assert_error(client.get(SUMMARY, {"label_id": foreign.pk}), 404, "LABEL_NOT_FOUND")
