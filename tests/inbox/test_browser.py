"""A visitor on the widget demo page and an agent in the inbox, in a real Chromium.

Everything goes through a real web server (tests/live.py): the browser pages, Socket.IO and
the topics WebSocket. Screenshots land in test-artifacts/inbox/.
"""

import json
import os
import re
import urllib.request

import pytest

from conversations.demo import DEMO_OWNER_EMAIL, DEMO_PASSWORD
from conversations.models import Conversation, Message
from tests.inbox.conftest import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 15_000  # ms: how long to wait for a live update before failing
XSS = ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>"]


def watch_dialogs(page, fired: list) -> None:
    def on_dialog(dialog):
        fired.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)


def log_in(page, base: str) -> None:
    page.goto(base + "/inbox/login/")
    page.get_by_label("Email").fill(DEMO_OWNER_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/inbox/")


def test_visitor_and_agent_chat_live(server, demo, browser):
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    base = server.url
    dialogs: list = []

    # --- the agent opens the inbox; it goes live -------------------------------------------
    agent_ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    inbox = agent_ctx.new_page()
    watch_dialogs(inbox, dialogs)
    log_in(inbox, base)
    expect(inbox.locator("#live-state")).to_have_text("live")
    open_count = inbox.locator('[data-filter="status-open"] .count')
    before = int(open_count.inner_text())

    # --- the visitor opens the widget, introduces themselves and writes ----------------------
    visitor_ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    visitor = visitor_ctx.new_page()
    watch_dialogs(visitor, dialogs)
    visitor.goto(base + "/widget/demo/")
    bubble = visitor.locator(".pbw-bubble")
    bubble.click()
    visitor.get_by_label("Name").fill("Vera Visitor")
    visitor.get_by_label("Email").fill("vera@example.com")
    visitor.get_by_role("button", name="Start chat").click()
    expect(visitor.locator(".pbw-root")).to_have_attribute("data-connected", "true")
    expect(visitor.locator(".pbw-availability")).to_have_text("We're online")
    box = visitor.locator("#pbw-input")
    box.fill("Hello from the visitor")
    box.press("Enter")
    mine = visitor.locator(".pbw-msg-me").last
    expect(mine).to_contain_text("Hello from the visitor")
    expect(mine.locator(".pbw-receipt")).to_have_text(re.compile("^(sent|delivered)$"))

    # --- the inbox list shows the new conversation without a reload --------------------------
    row = inbox.locator(".row", has_text="Vera Visitor")
    expect(row).to_be_visible()
    expect(open_count).to_have_text(str(before + 1))
    inbox.screenshot(path=SHOTS / "01-inbox-new-conversation-1366.png")
    conv = Conversation.objects.get(customer__email="vera@example.com")
    assert conv.business == demo.business

    # A second tab keeps the list open while the first one answers.
    watcher = agent_ctx.new_page()
    watcher.goto(base + "/inbox/")
    expect(watcher.locator("#live-state")).to_have_text("live")

    # --- the agent opens it: the visitor's message is read -----------------------------------
    row.locator("a").click()
    inbox.wait_for_url(re.compile(r"/inbox/c/\d+/$"))
    expect(inbox.locator("#live-state")).to_have_text("live")
    expect(inbox.locator(".msg-visitor").last).to_contain_text("Hello from the visitor")
    expect(mine.locator(".pbw-receipt")).to_have_text("read")

    # --- typing shows on both sides ---------------------------------------------------------
    box.press_sequentially("I have a question", delay=20)
    expect(inbox.locator("#typing")).to_be_visible()
    expect(inbox.locator("#typing")).to_contain_text("Vera Visitor is typing")
    reply = inbox.locator("#reply")
    reply.press_sequentially("Hi Vera", delay=20)
    expect(visitor.locator(".pbw-typing")).to_be_visible()
    expect(visitor.locator(".pbw-typing")).to_have_text("Support is typing…")
    visitor.screenshot(path=SHOTS / "02-widget-agent-typing-1366.png")

    # --- the agent replies; the visitor sees it live and reads it ---------------------------
    reply.press_sequentially(", how can I help?")
    reply.press("Enter")
    agent_msg = visitor.locator(".pbw-msg-agent").last
    expect(agent_msg).to_contain_text("Hi Vera, how can I help?")
    expect(visitor.locator(".pbw-typing")).to_be_hidden()
    own_reply = inbox.locator(".msg-operator").last
    expect(own_reply).to_contain_text("Hi Vera, how can I help?")
    expect(own_reply.locator(".receipt")).to_have_text("read")

    # --- hostile content renders as text on both sides --------------------------------------
    for text in XSS:
        box.fill(text)
        box.press("Enter")
        expect(inbox.locator(".msg-visitor .content").last).to_have_text(text)
        reply.fill(text)
        reply.press("Enter")
        expect(visitor.locator(".pbw-msg-agent .pbw-text").last).to_have_text(text)
    expect(visitor.locator(".pbw-msg-me .pbw-text").last).to_have_text(XSS[-1])
    for page in (inbox, visitor, watcher):
        assert page.locator("#messages img, .pbw-messages img, .row img").count() == 0
    expect(watcher.locator(".row", has_text="Vera Visitor")).to_contain_text(XSS[-1])
    inbox.screenshot(path=SHOTS / "03-conversation-1366.png")
    visitor.screenshot(path=SHOTS / "04-widget-chat-1366.png")

    # --- agent presence reaches the widget ---------------------------------------------------
    inbox.get_by_label(re.compile(r" is$")).select_option("away")
    expect(visitor.locator(".pbw-availability")).to_have_text("We're away, back soon")
    expect(watcher.locator("#my-status-dot")).to_have_class(re.compile("dot-away"))
    inbox.get_by_label(re.compile(r" is$")).select_option("online")
    expect(visitor.locator(".pbw-availability")).to_have_text("We're online")

    # --- resolve: the list in the other tab drops it from Open, live ------------------------
    inbox.get_by_role("button", name="Resolve").click()
    inbox.wait_for_url(re.compile(r"/inbox/c/\d+/$"))
    expect(inbox.locator("#conv-status")).to_have_text("resolved")
    expect(watcher.locator(".row", has_text="Vera Visitor")).to_have_count(0)
    expect(watcher.locator('[data-filter="status-open"] .count')).to_have_text(str(before))
    watcher.screenshot(path=SHOTS / "05-inbox-after-resolve-1366.png")
    conv.refresh_from_db()
    assert conv.status == "resolved"

    # --- a reload resumes the same conversation without losing messages ---------------------
    visitor.reload()
    expect(visitor.locator(".pbw-root")).to_have_attribute("data-connected", "true")
    texts = visitor.locator(".pbw-text").all_inner_texts()
    assert texts[0] == "Hello from the visitor"
    assert "Hi Vera, how can I help?" in texts
    inbox.locator("#reply").fill("Anything else?")
    inbox.locator("#reply").press("Enter")
    expect(visitor.locator(".pbw-msg-agent").last).to_contain_text("Anything else?")
    box = visitor.locator("#pbw-input")
    box.fill("No, thanks!")
    box.press("Enter")
    expect(inbox.locator(".msg-visitor").last).to_contain_text("No, thanks!")
    # The customer wrote again into the resolved conversation: it reopened, one conversation.
    expect(inbox.locator("#conv-status")).to_have_text("open")
    expect(inbox.get_by_role("button", name="Resolve")).to_be_visible()  # buttons follow
    expect(inbox.get_by_role("button", name="Reopen")).to_have_count(0)
    assert Conversation.objects.filter(customer__email="vera@example.com").count() == 1
    stored = list(Message.objects.filter(conversation=conv).values_list("content", flat=True))
    assert stored.count("Hello from the visitor") == 1
    assert stored[-1] == "No, thanks!"

    sent = visitor.locator(".pbw-msg-me").count()
    box.press("Enter")  # an empty message is not sent
    assert visitor.locator(".pbw-msg-me").count() == sent

    # --- narrow windows ---------------------------------------------------------------------
    for page, name in [(inbox, "06-conversation-400"), (visitor, "07-widget-400")]:
        page.set_viewport_size({"width": 400, "height": 760})
        page.screenshot(path=SHOTS / f"{name}.png")
    watcher.set_viewport_size({"width": 400, "height": 760})
    watcher.screenshot(path=SHOTS / "08-inbox-400.png", full_page=True)
    assert dialogs == []
    agent_ctx.close()
    visitor_ctx.close()


def test_inbox_is_usable_with_the_keyboard(server, demo, browser):
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    page.goto(server.url + "/inbox/login/")
    # The email field has focus; type, tab to the password, Enter submits.
    expect(page.locator("#id_username")).to_be_focused()
    page.keyboard.type(DEMO_OWNER_EMAIL)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(server.url + "/inbox/")
    expect(page.locator("#live-state")).to_have_text("live")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Tab from the top of the list reaches a filter link with a visible focus ring.
    for _ in range(3):
        page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => { const el = document.activeElement;"
        " return [el.tagName, getComputedStyle(el).outlineStyle]; }"
    )
    assert focused == ["A", "solid"]
    page.screenshot(path=SHOTS / "09-inbox-keyboard-focus.png")
    ctx.close()
    # The shots directory is the artifact CI keeps.
    assert any(SHOTS.iterdir())
    assert os.path.getsize(SHOTS / "09-inbox-keyboard-focus.png") > 1000


def test_a_customer_message_on_its_way_while_the_agent_replies_stays_above_the_reply(
    server, demo, browser
):
    """The customer's message was stored before the agent's reply: the live page shows them
    in that order while the reply is still being sent and after, as a reload does."""
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    conv = Conversation.objects.filter(business=demo.business, status="open").order_by("pk").first()
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    log_in(page, server.url)
    page.goto(f"{server.url}/inbox/c/{conv.pk}/")
    expect(page.locator("#live-state")).to_have_text("live")

    # The agent's reply leaves, but its request is held: the reply is still being sent.
    held = []
    page.route(f"**/inbox/c/{conv.pk}/reply/**", lambda route: held.append(route))
    page.locator("#reply").fill("Let me check that for you.")
    page.locator("#reply").press("Enter")
    page.wait_for_function("document.querySelectorAll('.receipt-sending').length === 1")
    assert len(held) == 1

    # Meanwhile the customer writes (through the API, as the widget's visitor).
    request = urllib.request.Request(
        f"{server.url}/api/v1/sessions/{conv.pk}/messages",
        data=json.dumps({"content": "Also, my invoice is wrong", "type": "visitor"}).encode(),
        headers={"Authorization": f"Bearer {demo.api_key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
    rows = page.locator("#messages li.msg")
    customer = rows.filter(has_text="Also, my invoice is wrong")
    expect(customer).to_be_visible()
    texts = rows.locator(".content").all_inner_texts()
    assert texts[-2:] == ["Also, my invoice is wrong", "Let me check that for you."]

    # The reply is stored (after the customer's message) and stays below it, as on a reload.
    held[0].continue_()
    expect(page.locator(".receipt-sending")).to_have_count(0)
    live = rows.locator(".content").all_inner_texts()
    page.screenshot(path=SHOTS / "conversation-order-while-sending.png")
    page.reload()
    expect(page.locator("#live-state")).to_have_text("live")
    assert page.locator("#messages li.msg .content").all_inner_texts() == live
    assert live[-2:] == ["Also, my invoice is wrong", "Let me check that for you."]
