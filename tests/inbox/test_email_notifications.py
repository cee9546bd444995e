"""Email notifications through a real SMTP server (aiosmtpd on 127.0.0.1) started by the test:
sent from the pipeline's background pool to agents with no inbox open, per preference."""

import pytest

from conversations import actions, presence
from conversations.actions import Actor
from conversations.models import AgentPreferences
from pingback.bridge import bridge

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp(smtp_server, monkeypatch):
    monkeypatch.setattr(presence, "_registry", presence.MemoryRegistry())
    return smtp_server


def mail_to(smtp, email: str) -> list[str]:
    bridge.wait_idle()
    return [f"{m.subject}\n{m.text}" for m in smtp.to(email)]


def test_new_conversation_emails_every_member_without_an_open_inbox(smtp, acme, globex):
    presence.connected(acme.admin, "admin-tab")  # has the inbox open: notified there instead
    AgentPreferences.objects.create(agent=acme.other_agent, on_new_conversation=False)
    acme.start("My order is late")
    assert mail_to(smtp, acme.agent.user.email)
    body = mail_to(smtp, acme.owner.user.email)[0]
    assert "New conversation from acme customer" in body and "/inbox/c/" in body
    assert not mail_to(smtp, acme.admin.user.email)
    assert not mail_to(smtp, acme.other_agent.user.email)
    assert not mail_to(smtp, globex.owner.user.email)  # another business never hears of it


def test_assignment_message_and_handoff_emails(smtp, acme):
    conv = acme.start("hello")
    smtp.clear()
    actions.do_assign(conv, acme.agent, actor=Actor.of_agent(acme.owner))
    assert any("is assigned to you" in b for b in mail_to(smtp, acme.agent.user.email))
    smtp.clear()
    actions.do_post_message(conv, sender_type="customer", content="Any news?")
    bodies = mail_to(smtp, acme.agent.user.email)
    assert any("New message from acme customer" in b and "Any news?" in b for b in bodies)
    assert not mail_to(smtp, acme.other_agent.user.email)  # not theirs
    smtp.clear()
    actions.do_request_handoff(conv, reason="wants a human", actor=Actor.of_customer(conv.customer))
    assert any("asked for a person" in b for b in mail_to(smtp, acme.agent.user.email))
    assert any("asked for a person" in b for b in mail_to(smtp, acme.owner.user.email))
    # A plain agent who cannot see the conversation is not told about its handoff.
    assert not mail_to(smtp, acme.other_agent.user.email)


def test_email_off_and_self_assignment_send_nothing(smtp, acme):
    AgentPreferences.objects.create(agent=acme.agent, email=False)
    conv = acme.start("hello")
    actions.do_assign(conv, acme.owner, actor=Actor.of_agent(acme.owner))  # took it themself
    actions.do_post_message(conv, sender_type="customer", content="hi again")
    assert not mail_to(smtp, acme.agent.user.email)
    assert not any("is assigned to you" in b for b in mail_to(smtp, acme.owner.user.email))


def test_a_mention_in_a_note_emails_the_colleague_without_an_open_inbox(smtp, acme):
    from teamtools.actions.notes import do_add_note

    conv = acme.start("hello")
    presence.connected(acme.owner, "owner-tab")  # Olivia has the inbox open: told there
    bridge.wait_idle()  # the new conversation's emails are out
    smtp.clear()
    do_add_note(conv, author=acme.agent, content="@adam @olivia please check the refund")
    body = mail_to(smtp, acme.admin.user.email)[0]
    assert "Alice mentioned you in a note about acme customer" in body
    assert "please check the refund" in body and f"/inbox/c/{conv.pk}/" in body
    assert not mail_to(smtp, acme.owner.user.email)
    assert not mail_to(smtp, acme.other_agent.user.email)  # not mentioned
    AgentPreferences.objects.create(agent=acme.admin, email=False)
    bridge.wait_idle()
    smtp.clear()
    do_add_note(conv, author=acme.agent, content="@adam again")
    assert not mail_to(smtp, acme.admin.user.email)
