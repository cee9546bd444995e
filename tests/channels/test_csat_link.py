"""The CSAT rating link reaches customers on email and Telegram through the channel outbox,
once per conversation (real SMTP server, local Bot API)."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.test import Client
from django.utils import timezone

from conversations import actions
from conversations.actions import Actor
from conversations.events import EventType
from conversations.models import Conversation
from csat.links import conversation_id_of
from customer_channels import csat_link, outbox, tasks
from customer_channels.models import OutboundMessage
from tests.channels.fake_telegram import update
from tests.channels.test_email import customer_mail, post_raw
from tests.channels.test_telegram import post_update


def _resolve_and_send(conv, acme):
    actions.do_resolve(conv, actor=Actor.of_agent(acme.agent))
    return csat_link.do_send_rating_link(conv.pk)


def _token(text: str) -> str:
    return text.rsplit("/rate/", 1)[1].strip().strip("/")


def test_a_resolved_email_conversation_gets_the_rating_link_by_email_once(
    acme, acme_email, smtp_server
):
    acme.business.csat_enabled = True
    acme.business.save()
    assert post_raw(acme_email, customer_mail().as_bytes()).status_code == 201
    conv = Conversation.objects.get(channel_type="email")
    msg = _resolve_and_send(conv, acme)
    row = OutboundMessage.objects.get(message=msg)
    outbox.deliver(row.pk)
    mail = smtp_server.wait_for("tom@example.net")
    assert "How did we do?" in mail.text
    link = next(word for word in mail.text.split() if "/rate/" in word)
    assert conversation_id_of(_token(link)) == conv.pk
    r = Client().get(urlsplit(link).path)
    assert r.status_code == 200  # the signed page opens
    conv.refresh_from_db()
    assert conv.status == "resolved"  # the link does not reopen the conversation
    # Reopened and resolved again: still one link.
    actions.do_reopen(conv, actor=Actor.of_agent(acme.agent))
    again = _resolve_and_send(conv, acme)
    assert again.pk == msg.pk
    assert OutboundMessage.objects.filter(message__conversation=conv).count() == 1


def test_telegram_gets_the_link_and_csat_off_or_the_widget_gets_nothing(
    acme, acme_telegram, fake_telegram
):
    acme.business.csat_enabled = True
    acme.business.save()
    post_update(acme_telegram, update(1, 42, 7, text="Hi"))
    conv = Conversation.objects.get(channel_type="telegram")
    msg = _resolve_and_send(conv, acme)
    outbox.deliver(OutboundMessage.objects.get(message=msg).pk)
    [sent] = fake_telegram.sent("sendMessage")
    assert sent["chat_id"] == "42" and "/rate/" in sent["text"]

    widget = acme.start()
    assert _resolve_and_send(widget, acme) is None  # the widget asks by itself
    acme.business.csat_enabled = False
    acme.business.save()
    post_update(acme_telegram, update(2, 43, 8, text="Other chat"))
    other = Conversation.objects.exclude(pk=conv.pk).get(channel_type="telegram")
    assert _resolve_and_send(other, acme) is None
    assert OutboundMessage.objects.count() == 1


def test_the_resolution_event_drives_the_subscriber(
    acme, acme_telegram, captured_events, django_capture_on_commit_callbacks
):
    post_update(acme_telegram, update(1, 42, 7, text="Hi"))
    conv = Conversation.objects.get(channel_type="telegram")
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_resolve(conv, actor=Actor.of_agent(acme.agent))  # CSAT is off
    acme.business.csat_enabled = True
    acme.business.save()
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_reopen(conv, actor=Actor.of_agent(acme.agent))
        actions.do_resolve(conv, actor=Actor.of_agent(acme.agent))
    status_events = [e for e in captured_events if e.type == EventType.CONVERSATION_STATUS_CHANGED]
    for event in status_events:  # what the background subscriber receives
        csat_link.on_event(event)
    [link] = conv.messages.filter(client_id=csat_link.CLIENT_ID)
    assert "/rate/" in link.content
    assert OutboundMessage.objects.filter(message=link).count() == 1


def test_the_sweeper_sends_a_link_the_subscriber_never_sent(acme, acme_telegram):
    """A process died between the resolution and its background subscriber: beat sends it."""
    acme.business.csat_enabled = True
    acme.business.save()
    post_update(acme_telegram, update(1, 42, 7, text="Hi"))
    post_update(acme_telegram, update(2, 43, 8, text="Other chat"))
    conv, old = Conversation.objects.filter(channel_type="telegram").order_by("id")
    for c in (conv, old):
        actions.do_resolve(c, actor=Actor.of_agent(acme.agent))  # no subscriber ran here
    assert tasks.sweep_rating_links() == 0  # still the subscriber's turn
    two_minutes_ago = timezone.now() - timedelta(minutes=2)
    Conversation.objects.filter(pk=conv.pk).update(resolved_at=two_minutes_ago)
    Conversation.objects.filter(pk=old.pk).update(resolved_at=timezone.now() - timedelta(days=2))
    assert tasks.sweep_rating_links() == 1  # the two-day-old one is history
    assert conv.messages.filter(client_id=csat_link.CLIENT_ID).count() == 1
    assert tasks.sweep_rating_links() == 0  # once
