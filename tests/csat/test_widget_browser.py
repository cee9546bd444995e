"""The widget in Chromium: a resolved conversation shows the notice and the rating question;
the visitor's rating is stored once. Screenshots land in test-artifacts/inbox/."""

import json
import re
import urllib.request

import pytest

from conversations.models import Conversation
from csat.models import Rating
from tests.inbox.conftest import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WAIT = 15_000


def resolve(base: str, api_key: str, conv_id: int) -> None:
    req = urllib.request.Request(
        f"{base}/api/v1/conversations/{conv_id}/resolve",
        data=b"{}",
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
        method="PUT",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200, json.loads(resp.read())


def test_visitor_rates_the_resolved_conversation_in_the_widget(server, demo, browser):
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(server.url + "/widget/demo/")
    page.locator(".pbw-bubble").click()
    page.get_by_label("Name").fill("Rita Rater")
    page.get_by_label("Email").fill("rita@example.com")
    page.get_by_role("button", name="Start chat").click()
    expect(page.locator(".pbw-root")).to_have_attribute("data-connected", "true")
    page.locator("#pbw-input").fill("Where is my order?")
    page.locator("#pbw-input").press("Enter")
    mine = page.locator(".pbw-msg-me").last
    expect(mine).to_contain_text("Where is my order?")
    expect(mine.locator(".pbw-receipt")).to_have_text(re.compile("^(sent|delivered|read)$"))
    conv = Conversation.objects.get(customer__email="rita@example.com")
    notice = page.locator(".pbw-resolved")
    expect(notice).to_be_hidden()

    resolve(server.url, demo.api_key, conv.pk)
    expect(notice).to_contain_text("This conversation was resolved")
    expect(page.locator(".pbw-rate-question")).to_have_text("How did we do?")
    send = page.get_by_role("button", name="Send rating")
    expect(send).to_be_disabled()
    page.get_by_role("radio", name="4 out of 5").click()
    page.get_by_label("Comment (optional)").fill("Quick and kind")
    page.screenshot(path=SHOTS / "csat-widget-question.png")
    send.click()
    expect(page.locator(".pbw-rate-thanks")).to_be_visible()
    expect(page.locator(".pbw-rate")).to_be_hidden()
    page.screenshot(path=SHOTS / "csat-widget-thanks.png")
    rating = Rating.objects.get(conversation=conv)
    assert (rating.score, rating.comment) == (4, "Quick and kind")

    # A reload remembers the answer (no second question).
    page.reload()
    expect(page.locator(".pbw-panel")).to_be_visible()  # it stays open across pages
    expect(page.locator(".pbw-rate-thanks")).to_be_visible()
    expect(page.locator(".pbw-rate")).to_be_hidden()
