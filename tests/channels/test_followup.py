"""Email continuity for the widget: a visitor who left gets the replies by email and their
answer continues the same conversation (real SMTP server: tests/mailbox.py)."""

from datetime import timedelta

from django.utils import timezone

from conversations import actions
from conversations.models import Conversation, Message
from customer_channels import followup, outbox, tasks
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


def test_the_beat_sweeper_finds_missed_replies_from_the_database_alone(
    acme, acme_email, smtp_server, settings
):
    """Restart-safe: nothing is scheduled when the reply is written (a process may die right
    after); the periodic sweep derives what is due from the rows and emails it once."""
    settings.CHANNELS_EMAIL_FOLLOWUP_SECONDS = 0
    conv = acme.start("Still there?")
    reply, _ = actions.do_post_message(conv, sender_type="agent", content="Yes", agent=acme.agent)
    assert not OutboundMessage.objects.exists()  # nothing happened at write time
    assert tasks.sweep_followups() == 1
    row = OutboundMessage.objects.get()
    assert row.message_id == reply.pk
    outbox.deliver(row.pk)
    assert "Yes" in smtp_server.wait_for(acme.customer.email).text
    assert tasks.sweep_followups() == 0  # emailed once
    later, _ = actions.do_post_message(conv, sender_type="agent", content="Bye", agent=acme.agent)
    assert tasks.sweep_followups() == 1  # a new missed reply is a new email
    assert OutboundMessage.objects.order_by("-id").first().message_id == later.pk


def test_the_sweeper_skips_received_replies_and_old_history(acme, acme_email, settings):
    settings.CHANNELS_EMAIL_FOLLOWUP_SECONDS = 0
    settings.CHANNELS_EMAIL_FOLLOWUP_MAX_AGE_SECONDS = 3600
    seen = acme.start()
    actions.do_post_message(seen, sender_type="agent", content="Hi", agent=acme.agent)
    actions.do_mark_delivered(seen, reader="customer")
    old = acme.start()
    actions.do_post_message(old, sender_type="agent", content="Hi", agent=acme.agent)
    two_hours_ago = timezone.now() - timedelta(hours=2)
    Message.objects.filter(conversation=old).update(created_at=two_hours_ago)
    Conversation.objects.filter(pk=old.pk).update(last_activity_at=two_hours_ago)
    assert followup.due_conversation_ids() == []
    assert tasks.sweep_followups() == 0
    assert not OutboundMessage.objects.exists()
