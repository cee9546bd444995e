"""Team tools the way agents use them, in Chromium against a real web server: Olivia labels a
conversation and leaves a private note for Alex, who is told at once on his inbox page; the
list filtered by the label shows the row with its chip. Screenshots in test-artifacts/inbox."""

import re

import pytest

from conversations import actions
from conversations.actions import Actor
from conversations.demo import DEMO_AGENT_EMAIL, DEMO_OWNER_EMAIL
from conversations.models import Conversation
from teamtools.actions.labels import create_label
from tests.inbox.conftest import SHOTS
from tests.inbox.test_team_browser import new_agent_page

WAIT = 15_000
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_label_a_conversation_and_leave_a_note_for_a_colleague(server, demo, browser):
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    base = server.url
    refund = create_label(demo.business, name="refund", color="#b42318")
    create_label(demo.business, name="vip", color="#d97706")
    customer = actions.create_customer(demo.business, name="Sam Buyer", email="sam@x.test")
    conv, _ = actions.do_start_conversation(
        demo.business,
        customer,
        actor=Actor.of_customer(customer),
        opening_message="I was charged twice for order 1042.",
    )
    seen: list = []
    _, alex = new_agent_page(browser, base, DEMO_AGENT_EMAIL, seen)
    expect(alex.locator("#live-state")).to_have_text("live")
    _, olivia = new_agent_page(browser, base, DEMO_OWNER_EMAIL, seen)
    olivia.goto(f"{base}/inbox/c/{conv.pk}/")
    expect(olivia.locator("#live-state")).to_have_text("live")

    # Label it from the details pane.
    olivia.locator("#label-add").select_option(label="refund")
    olivia.get_by_role("button", name="Add label").click()
    expect(olivia.locator("#conv-labels .label-chip")).to_contain_text(["refund"])

    # A private note for Alex: shown in the thread, marked as private.
    olivia.get_by_label("Private note").fill(
        "@alex can you check the double charge? Refund approved."
    )
    olivia.get_by_role("button", name="Add note").click()
    note = olivia.locator("#messages .msg-note")
    expect(note).to_contain_text("can you check the double charge?")
    expect(note).to_contain_text("Notified: @Alex Agent")
    expect(olivia.locator("#note-text")).to_have_value("")

    # Alex, on his inbox list, is told at once and can go there in one click.
    toast = alex.locator("#mention-toast")
    expect(toast).to_contain_text("Olivia Owner mentioned you in a note on Sam Buyer")
    olivia.screenshot(path=SHOTS / "30-note-and-label-1366.png")
    alex.screenshot(path=SHOTS / "31-mentioned-1366.png")
    toast.get_by_role("link").click()
    expect(alex.locator("#messages .msg-note")).to_contain_text("Refund approved.")
    expect(alex.locator("#conv-labels")).to_contain_text("refund")

    # The list filtered by the label shows the row with its chip.
    olivia.goto(f"{base}/inbox/?status=all&label={refund.pk}")
    row = olivia.locator(f'[data-conversation-id="{conv.pk}"]')
    expect(row.locator(".label-chip")).to_have_text(["refund"])
    expect(olivia.locator("#conversation-list > li")).to_have_count(1)
    olivia.screenshot(path=SHOTS / "32-list-by-label-1366.png")
    assert seen == []


def test_answer_with_a_canned_response_from_the_reply_box(server, demo, browser):
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    base = server.url
    customer = actions.create_customer(demo.business, name="Sam Buyer", email="sam@x.test")
    conv, _ = actions.do_start_conversation(
        demo.business, customer, actor=Actor.of_customer(customer), opening_message="Refund?"
    )
    seen: list = []
    _, olivia = new_agent_page(browser, base, DEMO_OWNER_EMAIL, seen)
    # The owner saves a canned response in the inbox settings.
    olivia.get_by_role("link", name="Settings").click()
    olivia.get_by_role("link", name="Canned responses").click()
    olivia.get_by_label("Shortcut").fill("refund")
    olivia.get_by_label("Title").fill("Refund on its way")
    olivia.get_by_label("Content").fill(
        "Hi {{customer.first_name | there}}, your refund is on its way. {{agent.first_name}}"
    )
    olivia.get_by_role("button", name="Save").click()
    expect(olivia.locator(".canned-table")).to_contain_text("/refund")
    olivia.screenshot(path=SHOTS / "33-canned-settings-1366.png")

    olivia.goto(f"{base}/inbox/c/{conv.pk}/")
    expect(olivia.locator("#live-state")).to_have_text("live")
    reply = olivia.locator("#reply")
    reply.press_sequentially("/ref")
    option = olivia.locator("#canned-picker [role=option]")
    expect(option).to_contain_text("Hi Sam, your refund is on its way. Olivia")
    olivia.screenshot(path=SHOTS / "34-canned-picker-1366.png")
    reply.press("Enter")  # inserts, does not send
    expect(reply).to_have_value("Hi Sam, your refund is on its way. Olivia")
    expect(olivia.locator("#canned-picker")).to_be_hidden()
    reply.press("Enter")  # sends
    expect(olivia.locator("#messages .msg-operator").last).to_contain_text(
        "Hi Sam, your refund is on its way. Olivia"
    )
    expect(reply).to_have_value("")
    assert seen == []


def test_find_a_returning_customer_by_what_they_wrote(server, demo, browser):
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    base = server.url
    customer = actions.create_customer(demo.business, name="Sam Buyer", email="sam@x.test")
    conv, _ = actions.do_start_conversation(
        demo.business,
        customer,
        actor=Actor.of_customer(customer),
        opening_message="My parcel 77-XJ never arrived, tracking says delivered.",
    )
    actions.do_resolve(conv, actor=Actor.system())
    seen: list = []
    _, alex = new_agent_page(browser, base, DEMO_AGENT_EMAIL, seen)
    alex.get_by_label("Search conversations").fill("parcel tracking")
    alex.get_by_label("Search conversations").press("Enter")
    row = alex.locator(f'[data-conversation-id="{conv.pk}"]')
    expect(row.locator(".search-hit mark")).to_have_text(["parcel", "tracking"])
    expect(alex.locator("#conversation-list > li")).to_have_count(1)
    alex.screenshot(path=SHOTS / "35-search-1366.png")
    # By email too; then open it.
    alex.get_by_label("Search conversations").fill("sam@x")
    alex.get_by_label("Search conversations").press("Enter")
    expect(row.locator(".search-hit mark")).to_have_text(["Sam", "sam", "x"])
    row.get_by_role("link").click()
    expect(alex.locator("#messages")).to_contain_text("never arrived")
    assert seen == []


def test_snooze_a_conversation_until_tomorrow(server, demo, browser):
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    base = server.url
    customer = actions.create_customer(demo.business, name="Sam Buyer", email="sam@x.test")
    conv, _ = actions.do_start_conversation(
        demo.business, customer, actor=Actor.of_customer(customer), opening_message="Call me later"
    )
    seen: list = []
    _, olivia = new_agent_page(browser, base, DEMO_OWNER_EMAIL, seen)
    olivia.goto(f"{base}/inbox/c/{conv.pk}/")
    olivia.get_by_label("Snooze until").select_option(label="Tomorrow, 9:00")
    olivia.get_by_role("button", name="Snooze", exact=True).click()
    expect(olivia.locator("#conv-snoozed")).to_contain_text("Snoozed until")
    expect(olivia.locator("#conv-status")).to_have_text("pending")
    row = olivia.locator(f'[data-conversation-id="{conv.pk}"]')
    olivia.goto(f"{base}/inbox/?status=pending")
    expect(row.locator(".badge-snoozed")).to_contain_text("snoozed until")
    olivia.screenshot(path=SHOTS / "36-snoozed-1366.png")
    conv.refresh_from_db()
    assert conv.status == "pending" and conv.snoozed_until is not None
    assert seen == []


def test_merge_the_same_customer_seen_on_two_devices(server, demo, browser):
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    base = server.url
    laptop = actions.create_customer(demo.business, name="Sam Buyer", email="sam@x.test")
    phone = actions.create_customer(demo.business, name="Sam Buyer")
    first, _ = actions.do_start_conversation(
        demo.business, laptop, actor=Actor.of_customer(laptop), opening_message="Order 1042?"
    )
    second, _ = actions.do_start_conversation(
        demo.business, phone, actor=Actor.of_customer(phone), opening_message="It's me again"
    )
    seen: list = []
    _, olivia = new_agent_page(browser, base, DEMO_OWNER_EMAIL, seen)
    olivia.goto(f"{base}/inbox/c/{first.pk}/")
    expect(olivia.locator("#duplicates")).to_contain_text("Sam Buyer")
    olivia.get_by_role("button", name="Merge into this profile").click()
    expect(olivia.locator("#past-conversations")).to_contain_text(f"#{second.pk}")
    olivia.get_by_text("Edit profile").click()
    olivia.get_by_label("Name", exact=True).last.fill("Sam Buyer")
    olivia.locator("#attr-key").fill("plan")
    olivia.locator("#attr-value").fill("Pro")
    olivia.get_by_role("button", name="Save profile").click()
    expect(olivia.locator("#customer-attributes")).to_contain_text("Pro")
    olivia.locator("#customer-profile").scroll_into_view_if_needed()
    olivia.screenshot(path=SHOTS / "37-profile-merged-1366.png", full_page=True)
    second.refresh_from_db()
    assert second.customer_id == laptop.pk
    assert seen == []


def test_start_a_conversation_from_the_inbox(server, demo, browser):
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    base = server.url
    seen: list = []
    _, olivia = new_agent_page(browser, base, DEMO_OWNER_EMAIL, seen)
    olivia.get_by_role("link", name="+ New conversation").click()
    olivia.get_by_label("Name").fill("Nora Newcomer")
    olivia.get_by_label("Email").last.fill("nora@x.test")
    olivia.get_by_label("Channel").select_option(label="Chat widget")
    olivia.get_by_label("First message").fill("Hi Nora, your quote is ready.")
    olivia.get_by_role("button", name="Start conversation").click()
    expect(olivia.locator(".flash")).to_contain_text("never used the chat widget")
    olivia.screenshot(path=SHOTS / "38-new-conversation-refused-1366.png")
    olivia.get_by_label("Name").fill("Nora Newcomer")
    olivia.get_by_label("Channel").select_option(label="API (your integration)")
    olivia.get_by_label("First message").fill("Hi Nora, your quote is ready.")
    olivia.get_by_role("button", name="Start conversation").click()
    expect(olivia.locator("#messages")).to_contain_text("your quote is ready")
    olivia.screenshot(path=SHOTS / "39-new-conversation-started-1366.png")
    assert seen == []


def test_done_when_an_agent_does_it_all_without_leaving_the_inbox(server, demo, browser):
    """The issue's "done when": find a returning customer's last conversation by search, answer
    with a canned response, leave a note for a colleague, label it and snooze it."""
    from playwright.sync_api import expect

    from teamtools.actions.canned import create_canned

    expect.set_options(timeout=WAIT)
    base = server.url
    create_label(demo.business, name="billing", color="#2f5bea")
    create_canned(
        demo.business,
        shortcut="refund",
        title="Refund sent",
        content="Hi {{customer.first_name}}, the refund is on its way.",
    )
    sam = actions.create_customer(demo.business, name="Sam Buyer", email="sam@x.test")
    conv, _ = actions.do_start_conversation(
        demo.business,
        sam,
        actor=Actor.of_customer(sam),
        opening_message="I was charged twice for invoice 88-QZ",
    )
    seen: list = []
    _, alex = new_agent_page(browser, base, DEMO_AGENT_EMAIL, seen)  # Alex, a plain agent
    alex.get_by_label("Search conversations").fill("invoice 88")
    alex.get_by_label("Search conversations").press("Enter")
    alex.locator(f'[data-conversation-id="{conv.pk}"] a').click()
    expect(alex.locator("#live-state")).to_have_text("live")
    reply = alex.locator("#reply")
    reply.press_sequentially("/ref")
    expect(alex.locator("#canned-picker [role=option]")).to_contain_text("Hi Sam")
    reply.press("Enter")
    reply.press("Enter")
    expect(alex.locator("#messages .msg-operator").last).to_contain_text("refund is on its way")
    alex.get_by_label("Private note").fill("@olivia please double-check the refund tomorrow")
    alex.get_by_role("button", name="Add note").click()
    expect(alex.locator("#messages .msg-note")).to_contain_text("double-check")
    alex.locator("#label-add").select_option(label="billing")
    alex.get_by_role("button", name="Add label").click()
    expect(alex.locator("#conv-labels .label-chip")).to_contain_text(["billing"])
    alex.get_by_label("Snooze until").select_option(label="Tomorrow, 9:00")
    alex.get_by_role("button", name="Snooze", exact=True).click()
    expect(alex.locator("#conv-snoozed")).to_contain_text("Snoozed until")
    alex.screenshot(path=SHOTS / "40-done-when-1366.png", full_page=True)
    conv.refresh_from_db()
    assert conv.status == "pending" and conv.snoozed_until is not None
    assert conv.notes.get().mentions.get().user.email == DEMO_OWNER_EMAIL
    assert seen == []


def test_the_widget_shows_a_conversation_the_team_starts(server, demo, browser):
    """Issue 14 item 6 in a real widget: the visitor's open widget switches to the new
    conversation and shows its first message; after a reload it is still there."""
    import httpx
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    base = server.url
    visitor_ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    visitor = visitor_ctx.new_page()
    visitor.goto(base + "/widget/demo/")
    visitor.locator(".pbw-bubble").click()
    visitor.get_by_label("Name").fill("Wanda Widget")
    visitor.get_by_label("Email").fill("wanda@example.com")
    visitor.get_by_role("button", name="Start chat").click()
    expect(visitor.locator(".pbw-root")).to_have_attribute("data-connected", "true")
    visitor.locator("#pbw-input").fill("Just looking around")
    visitor.locator("#pbw-input").press("Enter")
    mine = visitor.locator(".pbw-msg-me").last
    expect(mine.locator(".pbw-receipt")).to_have_text(re.compile("^(sent|delivered|read)$"))
    customer = Conversation.objects.get(customer__email="wanda@example.com").customer
    started = httpx.post(
        base + "/api/v1/conversations",
        headers={"Authorization": f"Bearer {demo.api_key}"},
        json={
            "customer_id": customer.pk,
            "channel_type": "webchat",
            "message": "Hi Wanda, your order shipped today!",
        },
        timeout=30,
    )
    assert started.status_code == 201, started.text
    expect(visitor.locator(".pbw-messages")).to_contain_text("your order shipped today")
    visitor.screenshot(path=SHOTS / "41-widget-agent-started-1366.png")
    visitor.reload()
    visitor.locator(".pbw-bubble").click()
    expect(visitor.locator(".pbw-messages")).to_contain_text("your order shipped today")


def test_a_logged_in_user_continues_their_history_with_a_signed_identify(server, demo, browser):
    """Issue 14 item 5: the host page calls ``PingBack.identify()`` with the hash its server
    signed; the widget skips the pre-chat form and shows the user's earlier conversation. The
    same call with a forged hash shows nothing of theirs."""
    from playwright.sync_api import expect

    from teamtools.actions.identity import identity_hash, rotate_identity_secret

    expect.set_options(timeout=WAIT)
    secret = rotate_identity_secret(demo.business).secret
    customer = actions.create_customer(
        demo.business, name="Ida Member", email="ida@example.com", external_id="member-7"
    )
    actions.do_start_conversation(
        demo.business,
        customer,
        actor=Actor.of_customer(customer),
        opening_message="My order 1042 has not arrived yet.",
    )
    user = {"id": "member-7", "name": "Ida Member", "email": "ida@example.com"}

    said: list[str] = []

    def visit(hash_):
        page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
        page.on("console", lambda m: said.append(m.text))
        page.goto(server.url + "/widget/demo/")
        page.wait_for_function("() => !!(window.PingBack && window.PingBack.identify)")
        page.evaluate("u => window.PingBack.identify(u)", {**user, "hash": hash_})
        page.locator(".pbw-bubble").click()
        return page

    forged = visit(identity_hash("not-the-secret", "member-7"))
    expect(forged.locator(".pbw-root")).to_have_attribute("data-connected", "true")
    expect(forged.get_by_label("Email")).to_be_visible()  # still a stranger: pre-chat form
    expect(forged.locator(".pbw-root")).not_to_have_attribute("data-identified", "verified")
    expect(forged.locator(".pbw-messages")).not_to_contain_text("1042")

    member = visit(identity_hash(secret, "member-7"))
    expect(member.locator(".pbw-root")).to_have_attribute("data-identified", "verified")
    expect(member.locator(".pbw-messages")).to_contain_text("My order 1042 has not arrived yet.")
    member.locator("#pbw-input").fill("Any news?")
    member.locator("#pbw-input").press("Enter")
    expect(member.locator(".pbw-msg-me").last).to_contain_text("Any news?")
    member.screenshot(path=SHOTS / "42-widget-identified-1366.png")
    assert Conversation.objects.filter(customer=customer).count() == 1
    assert forged.locator(".pbw-messages").inner_text().count("1042") == 0
    assert any("hash does not match" in text for text in said), said
