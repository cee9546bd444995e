"""The owner handles the demo's "Please delete my account." in a real browser: ticks the
confirmation, erases the customer (another open tab of that conversation drops the data by
itself), and exports the business's data from the inbox."""

import pytest

from conversations.demo import DEMO_OWNER_EMAIL
from conversations.models import Conversation
from tests.inbox.conftest import SHOTS
from tests.inbox.test_team_browser import new_agent_page
from tests.live import AsgiServer

WAIT = 15_000
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    """The embedded default (in-process tasks): the export the test waits for is written
    without a Celery worker, also in CI where REDIS_URL is set."""
    with django_db_blocker.unblock(), AsgiServer(REDIS_URL=None) as live:
        yield live


def test_owner_erases_the_customer_who_asked_and_exports_the_data(server, demo, browser):
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    base = server.url
    conv = Conversation.objects.get(
        business=demo.business, first_message_text="Please delete my account."
    )
    seen: list = []
    context, page = new_agent_page(browser, base, DEMO_OWNER_EMAIL, seen)
    # Another inbox (its own session: a tab of the same session could show the erasing tab's
    # one-time confirmation instead of it) shows the same conversation: it must drop the
    # customer's data by itself.
    watcher_context, watcher = new_agent_page(browser, base, DEMO_OWNER_EMAIL, seen)
    watcher.goto(f"{base}/inbox/c/{conv.pk}/")
    expect(watcher.locator("#live-state")).to_have_text("live")
    expect(watcher.locator(".details")).to_contain_text("tom@example.com")
    page.goto(f"{base}/inbox/c/{conv.pk}/")
    details = page.locator(".details")
    expect(details).to_contain_text("tom@example.com")
    button = page.locator('[data-action="erase-customer"]')
    # The box must be ticked first: the browser refuses the form without it.
    button.click()
    expect(page).to_have_url(f"{base}/inbox/c/{conv.pk}/")
    expect(details).to_contain_text("tom@example.com")
    page.get_by_label("Erase this customer's personal data").check()
    page.screenshot(path=str(SHOTS / "privacy-erase-before.png"), full_page=True)
    button.click()
    expect(page.get_by_text("Customer erased: 1 conversation(s)")).to_be_visible()
    expect(details).not_to_contain_text("tom@example.com")
    expect(page.locator("#messages, .messages").first).not_to_contain_text("delete my account")
    expect(page.get_by_text("[erased]").first).to_be_visible()
    page.screenshot(path=str(SHOTS / "privacy-erase-after.png"), full_page=True)
    # The other tab reloads on the customer_erased socket event.
    expect(watcher.locator(".details")).not_to_contain_text("tom@example.com")
    expect(watcher.get_by_text("[erased]").first).to_be_visible()
    watcher.screenshot(path=str(SHOTS / "privacy-erase-other-tab.png"), full_page=True)

    page.get_by_role("link", name="Data exports").click()
    page.get_by_label("Format").select_option("csv")
    page.get_by_role("button", name="Export").click()
    expect(page.get_by_text("Export queued")).to_be_visible()
    link = page.locator("tr[data-export-id] a")
    for _ in range(50):  # the export is written by a background task: reload until it is
        if link.count():
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(link).to_contain_text(".zip")
    page.screenshot(path=str(SHOTS / "privacy-exports.png"), full_page=True)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".zip")
    assert seen == []
    context.close()
    watcher_context.close()
