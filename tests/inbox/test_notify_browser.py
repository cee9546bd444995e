"""Notifications, unread badges, real presence and phones, in a real Chromium.

The owner's context grants the notifications permission; an init script records every
``new Notification(...)`` (and still shows it). A visitor on the demo page writes; the owner is
notified, sees bold rows with unread counts and the tab title badge; closing the owner's last
tab turns the widget's text to offline. Then 390x844 phone emulation for the inbox and the
demo page. Screenshots: test-artifacts/inbox/.
"""

import re

import pytest

from conversations.demo import DEMO_OWNER_EMAIL, DEMO_PASSWORD
from tests.inbox.conftest import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 15_000
RECORD_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  window.__notes = [];
  function Recorded(title, options) {
    window.__notes.push({ title: title, body: (options && options.body) || "" });
    return new Real(title, options);
  }
  Object.defineProperty(Recorded, "permission", { get: () => Real.permission });
  Recorded.requestPermission = (...a) => Real.requestPermission(...a);
  window.Notification = Recorded;
})();
"""
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


def log_in(page, base):
    page.goto(base + "/inbox/login/")
    page.get_by_label("Email").fill(DEMO_OWNER_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/inbox/")


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return (
        bool(box)
        and box["x"] >= 0
        and box["y"] >= 0
        and (
            box["x"] + box["width"] <= size["width"] + 1
            and box["y"] + box["height"] <= size["height"] + 1
        )
    )


def test_notifications_unread_presence_and_phones(server, demo, browser):
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    base = server.url
    owner_ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    owner_ctx.grant_permissions(["notifications"], origin=base)
    owner_ctx.add_init_script(RECORD_NOTIFICATIONS)
    inbox = owner_ctx.new_page()
    log_in(inbox, base)
    expect(inbox.locator("#live-state")).to_have_text("live")
    # Logging in with the inbox open is enough to be online: no manual switch.
    expect(inbox.locator("#my-status")).to_have_value("online")

    visitor_ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    visitor = visitor_ctx.new_page()
    visitor.goto(base + "/widget/demo/")
    visitor.locator(".pbw-bubble").click()
    expect(visitor.locator(".pbw-availability")).to_have_text("We're online")
    visitor.get_by_label("Name").fill("Nora Notify")
    visitor.get_by_label("Email").fill("nora@example.com")
    visitor.get_by_role("button", name="Start chat").click()
    box = visitor.locator("#pbw-input")
    box.fill("Is anyone there? https://example.com/order/42")
    box.press("Enter")

    # --- a desktop notification and an unread, bold row with a count ------------------------
    inbox.wait_for_function("window.__notes.some(n => n.title === 'New conversation')")
    row = inbox.locator(".row", has_text="Nora Notify")
    expect(row).to_have_class(re.compile(r"\bunread\b"))
    expect(row.locator(".unread-count")).to_have_text("1")
    box.fill("Hello?")
    box.press("Enter")
    expect(row.locator(".unread-count")).to_have_text("2")
    expect(inbox).to_have_title(re.compile(r"^\(\d+\) Inbox"))
    waiting = int(re.match(r"^\((\d+)\)", inbox.title()).group(1))
    inbox.screenshot(path=SHOTS / "30-unread-and-notification-1366.png")
    titles = inbox.evaluate("window.__notes.map(n => n.title)")
    assert titles.count("New conversation") == 1, titles  # once, though two channels told

    # --- opening it reads it (a POST): the badge and the title count go down -----------------
    row.locator("a").click()
    inbox.wait_for_url(re.compile(r"/inbox/c/\d+/$"))
    current = inbox.locator(".row.current")
    expect(current).not_to_have_class(re.compile(r"\bunread\b"))
    expect(current.locator(".unread-count")).to_have_count(0)
    if waiting > 1:
        expect(inbox).to_have_title(re.compile(rf"^\({waiting - 1}\) "))
    else:
        expect(inbox).not_to_have_title(re.compile(r"^\("))
    link = inbox.locator(".msg-visitor .content a").first
    expect(link).to_have_attribute("href", "https://example.com/order/42")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    inbox.locator("#reply").fill("Hi Nora, it's Olivia.")
    inbox.locator("#reply").press("Enter")
    # The agent's name (not "Support") in the widget, with initials.
    agent_msg = visitor.locator(".pbw-msg-agent").last
    expect(agent_msg.locator(".pbw-sender")).to_contain_text("Olivia Owner")
    expect(agent_msg.locator(".pbw-avatar")).to_have_text("OO")
    inbox.screenshot(path=SHOTS / "31-split-view-1366.png")

    # --- a message in a conversation assigned to me notifies me in another view ---------------
    inbox.goto(base + "/inbox/")
    expect(inbox.locator("#live-state")).to_have_text("live")
    box.fill("One more thing")
    box.press("Enter")
    inbox.wait_for_function("window.__notes.some(n => n.title === 'New message from Nora Notify')")

    # --- the owner's last tab closes: offline, and the widget says so ------------------------
    visitor.screenshot(path=SHOTS / "32-widget-online-1366.png")
    owner_ctx.close()
    expect(visitor.locator(".pbw-availability")).to_have_text(
        "Nobody is online — leave a message and we'll answer here"
    )
    expect(visitor.locator(".pbw-root")).to_have_attribute("data-availability", "offline")
    visitor.screenshot(path=SHOTS / "33-widget-offline-1366.png")

    # --- phones: 390x844 ---------------------------------------------------------------------
    phone_ctx = browser.new_context(**PHONE)
    phone = phone_ctx.new_page()
    log_in(phone, base)
    expect(phone.locator("#live-state")).to_have_text("live")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=SHOTS / "34-phone-inbox-390.png")
    phone.locator(".row", has_text="Nora Notify").locator("a").click()
    phone.wait_for_url(re.compile(r"/inbox/c/\d+/$"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    for name in ["Resolve", "Close", "Send"]:
        button = phone.get_by_role("button", name=name, exact=True)
        button.scroll_into_view_if_needed()
        assert in_viewport(phone, button), name
    phone.screenshot(path=SHOTS / "35-phone-conversation-390.png")

    demo_phone = visitor_ctx.browser.new_context(**PHONE).new_page()
    demo_phone.goto(base + "/widget/demo/")
    bubble = demo_phone.locator(".pbw-bubble")
    expect(bubble).to_be_visible()
    assert demo_phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert in_viewport(demo_phone, bubble)
    demo_phone.screenshot(path=SHOTS / "36-phone-demo-390.png")
    bubble.click()
    for control in [
        demo_phone.get_by_label("Name"),
        demo_phone.get_by_role("button", name="Start chat"),
        demo_phone.locator(".pbw-close"),
    ]:
        assert in_viewport(demo_phone, control)
    demo_phone.screenshot(path=SHOTS / "37-phone-widget-390.png")
    phone_ctx.close()
    visitor_ctx.close()
