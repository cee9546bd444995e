"""Every settings page in Chromium as the owner (screenshots in test-artifacts/inbox/settings-*.png,
looked at), and two-factor login end to end: set up from the page, log out, log in with the
password and a recovery code."""

import pytest

from accounts import totp
from conversations.demo import DEMO_OWNER_EMAIL, DEMO_PASSWORD
from tests.inbox.conftest import SHOTS

WAIT = 15_000
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base):
    page.goto(base + "/inbox/login/")
    page.get_by_label("Email").fill(DEMO_OWNER_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_settings_pages_and_two_factor_login(server, demo, browser):
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    base = server.url
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    log_in(page, base)
    page.wait_for_url(base + "/inbox/")
    page.get_by_role("link", name="Settings").first.click()
    nav = page.get_by_role("navigation", name="Settings")
    for label, heading in [
        ("Team", "Team"),
        ("Business hours", "Business hours"),
        ("AI assistant", "AI assistant"),
        ("Webhooks", "Webhooks"),
        ("API keys", "API keys"),
    ]:
        nav.get_by_role("link", name=label).click()
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        page.screenshot(
            path=SHOTS / f"settings-{label.lower().replace(' ', '-')}.png", full_page=True
        )
    page.get_by_label("Name").fill("CRM sync")
    page.get_by_role("button", name="Create key").click()
    expect(page.locator("#new-api-key")).to_contain_text("pbk_")
    page.screenshot(path=SHOTS / "settings-api-key-created.png", full_page=True)

    # Two-factor login: set up with the key the page shows.
    nav.get_by_role("link", name="My account").click()
    page.get_by_role("button", name="Set up two-factor login").click()
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code the app shows").fill(totp.code_at(secret, totp.current_step()))
    page.get_by_role("button", name="Turn on", exact=True).click()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.screenshot(path=SHOTS / "settings-two-factor-on.png", full_page=True)
    page.get_by_role("button", name="Log out").click()
    log_in(page, base)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    page.get_by_label("Code").fill(codes[0])
    page.screenshot(path=SHOTS / "settings-two-factor-login.png")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/inbox/")
    ctx.close()
