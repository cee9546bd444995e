"""The inbox reports page and the assignment & ratings settings page: managers only, figures
and SVG charts from the rollups, CSV and conversation exports with progress."""

import csv
import io

import pytest

from conversations.models import Business
from pingback.tasks import wait_for_local_tasks
from reports import rollup
from tests.test_business_settings import as_member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_owner_sees_figures_and_three_svg_charts(acme, globex):
    acme.start("hello")
    globex.start("not yours")
    rollup.catch_up(settle=0)
    page = as_member(acme.owner).get("/inbox/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<span class="n" id="fig-opened">1</span>' in html
    assert html.count("<svg") == 3 and html.count('class="cell"') == 7 * 24
    assert 'class="bar-opened"' in html


def test_plain_agents_get_403_and_bad_filters_400(acme):
    assert as_member(acme.agent).get("/inbox/reports/").status_code == 403
    assert as_member(acme.agent).get("/inbox/reports/csv/?report=days").status_code == 403
    owner = as_member(acme.owner)
    assert owner.get("/inbox/reports/", {"from": "nope"}).status_code == 400
    assert owner.get("/inbox/reports/csv/", {"report": "nope"}).status_code == 400


def test_csv_and_a_background_export_from_the_page(acme, globex):
    acme.start("hello")
    rollup.catch_up(settle=0)
    owner = as_member(acme.owner)
    days = owner.get("/inbox/reports/csv/", {"report": "days"})
    rows = list(csv.reader(io.StringIO(b"".join(days.streaming_content).decode())))
    assert rows[-1][1] == "1"
    assert owner.post("/inbox/reports/export/", {"channel": "webchat"}).status_code == 302
    wait_for_local_tasks(30)
    page = owner.get("/inbox/reports/?channel=webchat").content.decode()
    assert "1 / 1 · ready" in page
    export_id = page.split("/inbox/reports/exports/")[1].split("/")[0]
    download = owner.get(f"/inbox/reports/exports/{export_id}/")
    body = b"".join(download.streaming_content).decode()
    assert "hello" in body
    assert as_member(globex.owner).get(f"/inbox/reports/exports/{export_id}/").status_code == 404


def test_assignment_and_ratings_settings_page(acme):
    owner = as_member(acme.owner)
    assert owner.get("/inbox/settings/service/").status_code == 200
    saved = owner.post(
        "/inbox/settings/service/",
        {"auto_assign_mode": "round_robin", "auto_assign_capacity": "3"},
    )
    assert saved.status_code == 302
    b = Business.objects.get(pk=acme.business.pk)
    assert (b.auto_assign_mode, b.auto_assign_capacity, b.csat_enabled) == ("round_robin", 3, False)
    bad = owner.post(
        "/inbox/settings/service/",
        {"auto_assign_mode": "chaos", "auto_assign_capacity": "0"},
        HTTP_ACCEPT="application/json",
    )
    assert bad.status_code == 400
    assert as_member(acme.agent).get("/inbox/settings/service/").status_code == 403
