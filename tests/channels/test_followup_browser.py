"""In Chromium: a visitor writes from the widget (leaving an email address) and closes the
page; the agent replies in the inbox; the reply reaches the visitor by email at a real SMTP
server (aiosmtpd), and their email answer shows up live in the same conversation.
Screenshots: test-artifacts/channels/."""

import urllib.request

import pytest

from conversations.models import Conversation
from customer_channels.actions import credentials_of
from customer_channels.models import Channel
from tests.browser import browser_fixture
from tests.channels.test_email import customer_mail
from tests.inbox.test_browser import WAIT, log_in, watch_dialogs
from tests.live import ROOT, AsgiServer, free_port
from tests.mailbox import start_smtp_server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = ROOT / "test-artifacts" / "channels"


@pytest.fixture(scope="module")
def smtp():
    controller, mailbox = start_smtp_server()
    yield mailbox
    controller.stop()


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, smtp):
    port = free_port()
    env = {
        "EMAIL_URL": smtp.url,
        "CHANNELS_EMAIL_FOLLOWUP_SECONDS": "1",
        "CHANNELS_SWEEP_SECONDS": "1",  # the follow-up sweeper runs on the embedded beat
        "REDIS_URL": None,  # the embedded default (with a broker, `celery beat` sweeps)
        "CELERY_BROKER_URL": None,
        "SITE_URL": f"http://127.0.0.1:{port}",
    }
    with django_db_blocker.unblock(), AsgiServer(port, **env) as live:
        yield live


browser = browser_fixture(SHOTS)


def test_a_visitor_who_left_gets_the_reply_by_email_and_answers_by_email(server, smtp, browser):
    from playwright.sync_api import expect

    from conversations.demo import ensure_demo

    demo = ensure_demo()
    expect.set_options(timeout=WAIT)
    base = server.url
    dialogs: list = []
    visitor_ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    visitor = visitor_ctx.new_page()
    watch_dialogs(visitor, dialogs)
    visitor.goto(base + "/widget/demo/")
    visitor.locator(".pbw-bubble").click()
    visitor.get_by_label("Name").fill("Lea Left")
    visitor.get_by_label("Email").fill("lea@example.org")
    visitor.get_by_role("button", name="Start chat").click()
    box = visitor.locator("#pbw-input")
    box.fill("Can I still change my order?")
    box.press("Enter")
    expect(visitor.locator(".pbw-msg-me .pbw-receipt").last).not_to_have_text("sending…")
    visitor.screenshot(path=str(SHOTS / "1-visitor-writes.png"))
    visitor_ctx.close()  # the visitor leaves
    conv = Conversation.objects.get(customer__name="Lea Left")

    agent_ctx = browser.new_context(viewport={"width": 1366, "height": 800})
    inbox = agent_ctx.new_page()
    watch_dialogs(inbox, dialogs)
    log_in(inbox, base)
    inbox.goto(f"{base}/inbox/c/{conv.pk}/")
    expect(inbox.locator("#live-state")).to_have_text("live")
    inbox.locator("#reply").fill("Yes, until it ships tomorrow.")
    inbox.get_by_role("button", name="Send").click()
    expect(inbox.locator(".msg-operator .content").last).to_have_text(
        "Yes, until it ships tomorrow."
    )

    mail = smtp.wait_for("lea@example.org", timeout=30)
    assert "Yes, until it ships tomorrow." in mail.text
    assert "answer this email" in mail.text
    assert mail.message["From"].endswith("<support@demo.pingback.test>")
    # The reply's receipt follows its channel send: live, then the same on reload.
    receipt = inbox.locator(".msg-operator .receipt").last
    expect(receipt).to_have_text("sent by email")
    inbox.reload()
    expect(inbox.locator(".msg-operator .receipt").last).to_have_text("sent by email")
    expect(inbox.locator("#live-state")).to_have_text("live")

    # Lea answers from her mail client; the raw message reaches the channel's endpoint.
    channel = Channel.objects.get(business=demo.business, kind="email")
    answer = customer_mail(
        text="Great, please make it blue.\n\nOn Monday PingBack wrote:\n> Yes, until it ships",
        sender="Lea Left <lea@example.org>",
        subject="Re: " + mail.subject,
        reply_to_mail=mail.message,
    )
    request = urllib.request.Request(
        f"{base}/channels/{channel.public_id}/email",
        data=answer.as_bytes(),
        headers={
            "Content-Type": "message/rfc822",
            "Authorization": f"Bearer {credentials_of(channel)['inbound_token']}",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
    expect(inbox.locator(".msg-visitor .content").last).to_have_text("Great, please make it blue.")
    inbox.screenshot(path=str(SHOTS / "2-agent-sees-the-email-answer.png"))
    last = conv.messages.order_by("-id").first()
    assert (last.sender_type, last.content) == ("customer", "Great, please make it blue.")
    # Settings → Channels lists the demo's email channel with its inbound address.
    inbox.goto(f"{base}/inbox/settings/channels/")
    expect(inbox.locator("table.channels")).to_contain_text("support@demo.pingback.test")
    expect(inbox.locator("table.channels")).to_contain_text(f"/channels/{channel.public_id}/email")
    inbox.screenshot(path=str(SHOTS / "3-settings-channels.png"), full_page=True)
    # New conversation: typing Lea's address tells where each channel reaches her.
    inbox.goto(f"{base}/inbox/new/")
    inbox.locator("#id_customer").fill("lea@example.org")
    inbox.locator("#id_customer").dispatch_event("change")
    expect(inbox.locator("#channel-reach")).to_have_text("Where Lea Left can be reached.")
    picker = inbox.locator("#id_channel_type")
    expect(picker.locator('option[value="email"]')).to_have_text("Email — lea@example.org")
    expect(picker.locator('option[value="webchat"]')).to_be_enabled()  # she used the widget
    expect(picker.locator('option[value="whatsapp"]')).to_be_disabled()
    inbox.screenshot(path=str(SHOTS / "4-new-conversation-picker.png"), full_page=True)
    assert dialogs == []
