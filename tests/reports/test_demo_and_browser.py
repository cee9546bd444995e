"""The demo business comes with a week of report data; an owner reads the charts in Chromium
and downloads a CSV. Screenshots land in test-artifacts/inbox/."""

import re
from pathlib import Path

import pytest

from conversations.demo import DEMO_OWNER_EMAIL, DEMO_PASSWORD
from reports import filters, queries, rollup
from reports.models import DailyStats
from tests.inbox.conftest import SHOTS


def rollup_rows():
    return sorted(DailyStats.objects.values_list(*[f.name for f in DailyStats._meta.fields][2:]))


@pytest.mark.django_db
def test_the_demo_has_a_week_of_report_data_equal_to_a_recomputation(demo):
    report = queries.summary(demo.business, filters.parse(demo.business, {}))
    opened = [d["opened"] for d in report["days"]]
    assert all(n > 0 for n in opened) and sum(opened) > 100
    assert report["csat"]["responses"] > 10 and report["first_response_seconds"]["count"] > 50
    assert sum(map(sum, report["heatmap"])) == sum(opened)
    before = rollup_rows()
    rollup.rebuild()
    assert rollup_rows() == before


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_owner_reads_the_charts_and_downloads_a_csv(server, demo, browser):
    from playwright.sync_api import expect

    from business_settings.actions import update_business_hours

    weekdays = {str(d): [["09:00", "18:00"]] for d in range(5)}
    update_business_hours(demo.business, enabled=True, weekly=weekdays)
    expect.set_options(timeout=15_000)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(server.url + "/inbox/login/")
    page.get_by_label("Email").fill(DEMO_OWNER_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server.url + "/inbox/")
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    expect(page.locator("svg.svg-chart")).to_have_count(3)
    assert int(page.locator("#fig-opened").inner_text()) > 100
    page.screenshot(path=SHOTS / "reports-page.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="days").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("day,opened,resolved") and len(text.splitlines()) == 8
    page.get_by_label("Channel").select_option("email")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"channel=email"))
    page.screenshot(path=SHOTS / "reports-page-email.png")
    page.get_by_label("Times in business hours").check()
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"business_hours=true"))
    expect(page.get_by_text("first response, median (business hours)")).to_be_visible()
    expect(page.get_by_label("Times in business hours")).to_be_checked()
    page.screenshot(path=SHOTS / "reports-page-business-hours.png", full_page=True)
    context.close()
