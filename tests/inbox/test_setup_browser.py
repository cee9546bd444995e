"""From an empty database to a team, in Chromium, as a new user would: the setup page, the
welcome snippet, an invitation read from a real SMTP server (aiosmtpd), the invitee's password,
and a password reset. Screenshots in test-artifacts/inbox/setup-*.png."""

import pytest

from conversations.models import Agent, Business
from tests.inbox.conftest import SHOTS
from tests.live import AsgiServer

WAIT = 15_000
PASSWORD = "bakery-owner-password"
NINA = "nina@bakery.test"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def path_in(mail, marker: str) -> str:
    (link,) = [x for x in mail.links() if marker in x]
    return link


def test_empty_database_to_an_invited_agent_and_a_password_reset(browser, smtp_server):
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    assert not Business.objects.exists()
    with AsgiServer(EMAIL_URL=smtp_server.url) as server:
        base = server.url
        owner_ctx = browser.new_context(viewport={"width": 1280, "height": 860})
        page = owner_ctx.new_page()
        page.goto(base + "/")
        expect(page).to_have_url(base + "/setup/")
        expect(page.get_by_role("heading", name="Welcome to PingBack")).to_be_visible()
        page.get_by_label("Business name").fill("Bakery Bob")
        page.get_by_label("Your name").fill("Bob Baker")
        page.get_by_label("Your email").fill("bob@bakery.test")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.screenshot(path=SHOTS / "setup-1-form.png")
        page.get_by_role("button", name="Create business").click()
        expect(page).to_have_url(base + "/inbox/welcome/")
        business = Business.objects.get()
        expect(page.locator("#embed-snippet")).to_contain_text(business.public_id)
        expect(page.locator("#embed-snippet")).to_contain_text(f"{base}/static/widget/widget.js")
        page.screenshot(path=SHOTS / "setup-2-welcome.png", full_page=True)

        # The empty inbox shows the snippet too.
        page.goto(base + "/inbox/")
        expect(page.get_by_role("heading", name="No conversations yet")).to_be_visible()
        page.screenshot(path=SHOTS / "setup-3-empty-inbox.png")

        # Invite an agent.
        page.get_by_role("link", name="Invite your team").click()
        expect(page).to_have_url(base + "/inbox/settings/team/")
        page.get_by_label("Email").fill(NINA)
        page.get_by_role("button", name="Send invitation").click()
        expect(page.locator(".flash")).to_contain_text(f"Invitation sent to {NINA}")
        expect(page.locator(".invitations")).to_contain_text(NINA)
        page.screenshot(path=SHOTS / "setup-4-team.png", full_page=True)
        mail = smtp_server.wait_for(NINA, "You are invited to Bakery Bob")
        invitation = path_in(mail, "/invitation/")
        assert invitation.startswith(base)

        # The invitee opens the link, sets a name and password, lands in the inbox.
        nina_ctx = browser.new_context(viewport={"width": 1280, "height": 860})
        nina = nina_ctx.new_page()
        nina.goto(invitation)
        expect(nina.get_by_role("heading", name="Join Bakery Bob")).to_be_visible()
        nina.get_by_label("Your name").fill("Nina Newton")
        nina.get_by_label("Choose a password").fill("ninas-first-password")
        nina.screenshot(path=SHOTS / "setup-5-invitation.png")
        nina.get_by_role("button", name="Join Bakery Bob").click()
        expect(nina).to_have_url(base + "/inbox/")
        expect(nina.locator(".flash")).to_contain_text("Welcome to Bakery Bob")
        assert Agent.objects.get(user__email=NINA).role == "agent"
        # The link worked once.
        nina.goto(invitation)
        expect(nina.get_by_role("heading", name="This link does not work")).to_be_visible()

        # She logs out, forgot her password, resets it by email and logs in with the new one.
        nina.goto(base + "/inbox/")
        nina.get_by_role("button", name="Log out").click()
        expect(nina).to_have_url(base + "/inbox/login/")
        nina.get_by_role("link", name="Forgot your password?").click()
        nina.get_by_label("Email").fill(NINA)
        nina.get_by_role("button", name="Send the link").click()
        expect(nina.get_by_role("heading", name="Check your email")).to_be_visible()
        reset = path_in(smtp_server.wait_for(NINA, "Reset your PingBack password"), "/reset/")
        nina.goto(reset)
        nina.get_by_label("New password").fill("ninas-second-password")
        nina.screenshot(path=SHOTS / "setup-6-reset.png")
        nina.get_by_role("button", name="Set the password").click()
        expect(nina).to_have_url(base + "/inbox/login/")
        nina.get_by_label("Email").fill(NINA)
        nina.get_by_label("Password").fill("ninas-second-password")
        nina.get_by_role("button", name="Log in").click()
        expect(nina).to_have_url(base + "/inbox/")
        nina.screenshot(path=SHOTS / "setup-7-nina-inbox.png")
        nina_ctx.close()
        owner_ctx.close()
