"""Email continuity for the widget: a visitor who left gets the replies by email and their
answer continues the same conversation (real SMTP server: tests/mailbox.py)."""

from conversations import actions
from conversations.models import Message
from customer_channels import followup, outbox
from customer_channels.models import OutboundMessage
from tests.channels.test_email import customer_mail, post_raw


def test_missed_replies_are_emailed_together_and_the_answer_continues_the_chat(
    acme, acme_email, smtp_server, settings
):
    settings.CHANNELS_EMAIL_FOLLOWUP_SECONDS = 0
    conv = acme.start("Do you ship to Norway?")  # the fixture customer left an email address
    actions.do_post_message(conv, sender_type="agent", content="Yes!", agent=acme.agent)
    second, _ = actions.do_post_message(
        conv, sender_type="agent", content="Within 3 days.", agent=acme.agent
    )
    row = followup.do_queue_email_followup(conv.pk)
    assert row is not None and row.message_id == second.pk
    outbox.deliver(row.pk)
    mail = smtp_server.wait_for(acme.customer.email)
    text = mail.text.replace("\r\n", "\n")
    assert "Yes!" in text and "Within 3 days." in text
    assert "answer this email to continue the conversation" in text
    assert mail.message["From"] == "Acme Support <support@acme.test>"
    assert len(smtp_server.messages) == 1  # one email for both replies
    assert followup.do_queue_email_followup(conv.pk) is None  # nothing new to send

    answer = customer_mail(
        text="Great, I'll order now.",
        sender=acme.customer.email,
        subject="Re: " + mail.subject,
        reply_to_mail=mail.message,
    )
    r = post_raw(acme_email, answer.as_bytes())
    assert r.status_code == 201 and r.json()["conversation_id"] == conv.pk
    assert conv.messages.order_by("-id").first().content == "Great, I'll order now."
    conv.refresh_from_db()
    assert conv.channel_type == "webchat"  # still the widget's conversation


def test_a_reply_the_widget_received_is_not_emailed(acme, acme_email, settings):
    settings.CHANNELS_EMAIL_FOLLOWUP_SECONDS = 0
    conv = acme.start()
    actions.do_post_message(conv, sender_type="agent", content="Hi", agent=acme.agent)
    actions.do_mark_delivered(conv, reader="customer")  # the visitor's page got it
    assert followup.do_queue_email_followup(conv.pk) is None


def test_a_reply_inside_the_grace_period_waits(acme, acme_email, settings):
    settings.CHANNELS_EMAIL_FOLLOWUP_SECONDS = 3600
    conv = acme.start()
    actions.do_post_message(conv, sender_type="agent", content="Hi", agent=acme.agent)
    assert followup.do_queue_email_followup(conv.pk) is None


def test_no_email_address_or_no_email_channel_sends_nothing(acme, settings):
    settings.CHANNELS_EMAIL_FOLLOWUP_SECONDS = 0
    conv = acme.start()
    actions.do_post_message(conv, sender_type="agent", content="Hi", agent=acme.agent)
    assert followup.do_queue_email_followup(conv.pk) is None  # no email channel
    assert not OutboundMessage.objects.exists()
    assert Message.objects.filter(conversation=conv).count() == 2
