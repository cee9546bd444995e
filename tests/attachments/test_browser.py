"""In Chromium: a visitor pastes a screenshot and the agent sees its thumbnail live (and opens
it in the lightbox); the agent sends a PDF and the visitor downloads it. Screenshots land in
test-artifacts/attachments/."""

import base64

import pytest

from conversations.models import Conversation
from tests.attachments import files
from tests.browser import browser_fixture
from tests.inbox.conftest import demo  # noqa: F401 - the fixture
from tests.inbox.test_browser import WAIT, log_in, watch_dialogs
from tests.live import ROOT, AsgiServer, free_port

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = ROOT / "test-artifacts" / "attachments"


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    port = free_port()
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        AsgiServer(port, MEDIA_ROOT=str(media), SITE_URL=f"http://127.0.0.1:{port}") as live,
    ):
        yield live


browser = browser_fixture(SHOTS)


PASTE = """([b64, name]) => {
  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  const dt = new DataTransfer();
  dt.items.add(new File([bytes], name, { type: "image/png" }));
  const input = document.querySelector("#pbw-input");
  input.focus();
  const paste = { clipboardData: dt, bubbles: true, cancelable: true };
  input.dispatchEvent(new ClipboardEvent("paste", paste));
}"""


def test_screenshot_and_pdf_exchanged_live(server, demo, browser):  # noqa: F811
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    base = server.url
    dialogs: list = []
    visitor_ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    visitor = visitor_ctx.new_page()
    watch_dialogs(visitor, dialogs)
    visitor.goto(base + "/widget/demo/")
    visitor.locator(".pbw-bubble").click()
    visitor.get_by_label("Name").fill("Pia Paste")
    visitor.get_by_label("Email").fill("pia@example.com")
    visitor.get_by_role("button", name="Start chat").click()
    box = visitor.locator("#pbw-input")
    box.fill("Hi, something is broken")
    box.press("Enter")
    expect(visitor.locator(".pbw-msg-me .pbw-receipt").last).not_to_have_text("sending…")
    conv = Conversation.objects.get(customer__name="Pia Paste")

    agent_ctx = browser.new_context(viewport={"width": 1366, "height": 800}, accept_downloads=True)
    inbox = agent_ctx.new_page()
    watch_dialogs(inbox, dialogs)
    log_in(inbox, base)
    inbox.goto(f"{base}/inbox/c/{conv.pk}/")
    expect(inbox.locator("#live-state")).to_have_text("live")

    # --- the visitor pastes a screenshot: preview and progress, then Send --------------------
    shot = files.png_bytes(size=(640, 400), color=(30, 120, 200))
    visitor.evaluate(PASTE, [base64.b64encode(shot).decode(), "image.png"])
    pending = visitor.locator(".pbw-pending")
    expect(pending.locator("img")).to_be_visible()
    expect(pending.locator("progress")).to_have_attribute("value", "100")
    visitor.screenshot(path=str(SHOTS / "1-visitor-pasted.png"))
    box.press("Enter")
    expect(visitor.locator(".pbw-msg-me .pbw-image img").last).to_be_visible()

    # --- the agent sees the thumbnail live, and the full image in the lightbox ---------------
    thumb = inbox.locator(".msg-visitor .attachment-image img").last
    expect(thumb).to_be_visible()
    inbox.wait_for_function(
        "img => img.complete && img.naturalWidth === 320", arg=thumb.element_handle()
    )
    inbox.screenshot(path=str(SHOTS / "2-agent-sees-thumbnail.png"))
    thumb.click()
    full = inbox.locator("dialog.lightbox img")
    expect(full).to_be_visible()
    inbox.wait_for_function("img => img.naturalWidth === 640", arg=full.element_handle())
    inbox.screenshot(path=str(SHOTS / "3-agent-lightbox.png"))
    inbox.locator(".lightbox-close").click()

    # --- the agent sends a PDF; the visitor downloads it -------------------------------------
    inbox.set_input_files(
        "#attach-input",
        files=[{"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": files.PDF}],
    )
    expect(inbox.locator(".attach-pending progress")).to_have_attribute("value", "100")
    inbox.locator("#reply").fill("Here is your invoice")
    inbox.get_by_role("button", name="Send").click()
    expect(inbox.locator(".msg-operator .attachment-file").last).to_contain_text("invoice.pdf")
    card = visitor.locator(".pbw-msg-agent .pbw-file").last
    expect(card).to_contain_text("invoice.pdf")
    expect(visitor.locator(".pbw-msg-agent .pbw-text").last).to_have_text("Here is your invoice")
    visitor.screenshot(path=str(SHOTS / "4-visitor-gets-pdf.png"))
    with visitor.expect_download() as info:
        card.click()
    download = info.value
    assert download.suggested_filename == "invoice.pdf"
    with open(download.path(), "rb") as fh:
        assert fh.read() == files.PDF
    assert dialogs == []
    visitor_ctx.close()
    agent_ctx.close()
