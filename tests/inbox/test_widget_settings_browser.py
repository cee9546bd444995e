"""Settings → Widget in Chromium: the preview follows the form as the owner types; once saved,
the demo page's open widget changes live (colour, title, position, French texts); a website
that is not allowed gets no widget at all. Screenshots in test-artifacts/inbox/widget-*.png."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from business_settings import actions as settings_actions
from conversations.demo import DEMO_OWNER_EMAIL, DEMO_PASSWORD
from tests.inbox.conftest import SHOTS

WAIT = 15_000
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base):
    page.goto(base + "/inbox/login/")
    page.get_by_label("Email").fill(DEMO_OWNER_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/inbox/")


class ForeignSite:
    """Another website (http://localhost:<port>/) embedding the widget from the server."""

    def __init__(self, server_url: str, business_id: str):
        html = (
            "<!doctype html><html><body><h1>Someone else's shop</h1>"
            f'<script src="{server_url}/static/widget/widget.js" '
            f'data-business-id="{business_id}" async></script></body></html>'
        ).encode()

        class Page(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(html)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Page)
        self.url = f"http://localhost:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_widget_settings_preview_demo_page_and_allowed_websites(server, demo, browser):
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    base = server.url
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    # A visitor already on the demo page: the saved settings reach it without a reload.
    visitor = browser.new_context(viewport={"width": 1100, "height": 760}).new_page()
    visitor.goto(base + "/widget/demo/")
    expect(visitor.locator(".pbw-root")).to_have_attribute("data-connected", "true")
    expect(visitor.locator(".pbw-bubble")).to_have_text("Chat")
    log_in(page, base)
    page.goto(base + "/inbox/settings/widget/")
    preview = page.frame_locator("#widget-preview")
    expect(preview.locator(".pbw-bubble")).to_be_visible()
    page.get_by_label("Title").fill("Parlez à Acme")
    page.get_by_label("Language").select_option("fr")
    page.get_by_label("Position").select_option("left")
    page.get_by_label("Launcher text").fill("Aide")
    page.locator("#id_color").fill("#b42318")
    # The preview follows before anything is saved.
    expect(preview.locator(".pbw-bubble-text")).to_have_text("Aide")
    expect(preview.locator(".pbw-root")).to_have_class("pbw-root pbw-left")
    preview.locator(".pbw-bubble").click()
    expect(preview.locator(".pbw-title")).to_have_text("Parlez à Acme")
    expect(preview.get_by_role("button", name="Commencer")).to_be_visible()
    page.screenshot(path=SHOTS / "widget-1-settings-preview.png", full_page=True)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("Widget settings saved")

    # The visitor's widget changed live (widget.settings_changed), then also after a reload.
    bubble = visitor.locator(".pbw-bubble")
    expect(bubble).to_have_text("Aide")
    visitor.screenshot(path=SHOTS / "widget-2a-demo-page-live.png")
    visitor.reload()
    expect(bubble).to_have_text("Aide")
    assert bubble.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(180, 35, 24)"
    box = bubble.bounding_box()
    assert box["x"] < 200  # bottom left
    bubble.click()
    expect(visitor.locator(".pbw-title")).to_have_text("Parlez à Acme")
    expect(visitor.get_by_label("Nom")).to_be_visible()
    expect(visitor.get_by_label("E-mail")).to_be_visible()
    expect(visitor.get_by_role("button", name="Commencer")).to_be_visible()
    visitor.screenshot(path=SHOTS / "widget-2-demo-page-french.png")

    # Allowed websites: another site gets no widget, until it is allowed.
    settings_actions.update_widget_settings(demo.business, allowed_domains=["shop.example"])
    site = ForeignSite(base, demo.business.public_id)
    try:
        foreign = browser.new_context().new_page()
        warnings = []
        foreign.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
        with foreign.expect_response(lambda r: "/widget/settings/" in r.url) as refused:
            foreign.goto(site.url)
        assert refused.value.status == 403
        expect(foreign.get_by_role("heading", name="Someone else's shop")).to_be_visible()
        foreign.wait_for_function("() => window.__pingbackWidget === true")
        expect(foreign.locator(".pbw-root")).to_have_count(0)
        foreign.screenshot(path=SHOTS / "widget-3-foreign-site-refused.png")
        assert any("may not run on localhost" in w for w in warnings), warnings
        settings_actions.update_widget_settings(
            demo.business, allowed_domains=["shop.example", "localhost"]
        )
        foreign.reload()
        expect(foreign.locator(".pbw-bubble")).to_be_visible()
        expect(foreign.locator(".pbw-root")).to_have_attribute("data-connected", "true")
    finally:
        site.close()
    ctx.close()
