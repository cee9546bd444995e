"""Telegram end to end against a local Bot API server (tests/channels/fake_telegram.py, which
follows https://core.telegram.org/bots/api: Update, Message, sendMessage, sendPhoto, getFile,
setWebhook with secret_token and the X-Telegram-Bot-Api-Secret-Token header)."""

import json

from rest_framework.test import APIClient

from attachments.models import Attachment
from conversations import actions
from conversations.events import EventType, WidgetScope
from conversations.models import Conversation, Message
from customer_channels import outbox
from customer_channels.models import InboundMessage, OutboundMessage
from tests.api.conftest import client_for
from tests.channels.fake_telegram import update

HEADER = "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"


def post_update(channel, body, secret=None):
    return APIClient().post(
        f"/channels/{channel.public_id}/telegram",
        data=json.dumps(body),
        content_type="application/json",
        **{HEADER: channel.raw_secret if secret is None else secret},
    )


def test_a_telegram_message_starts_a_conversation_and_a_redelivery_adds_nothing(acme_telegram):
    body = update(1, 42, 7, text="Hi, is my order shipped?")
    first = post_update(acme_telegram, body)
    assert first.status_code == 200, first.content
    assert first.json()["created"] is True
    again = post_update(acme_telegram, body)  # Telegram redelivers on a slow answer
    assert again.status_code == 200
    assert again.json() == {**first.json(), "created": False}
    conv = Conversation.objects.get(business=acme_telegram.business)
    assert conv.channel_type == "telegram"
    assert conv.customer.name == "Tom Reed"
    assert [m.content for m in conv.messages.all()] == ["Hi, is my order shipped?"]
    # The next message from the same chat continues the same conversation.
    assert post_update(acme_telegram, update(2, 42, 8, text="Order 1234")).status_code == 200
    assert conv.messages.count() == 2
    assert Conversation.objects.filter(business=acme_telegram.business).count() == 1


def test_a_forged_secret_token_is_refused_and_nothing_is_written(acme_telegram):
    for secret in ("", "wrong", acme_telegram.raw_secret + "x"):
        r = post_update(acme_telegram, update(1, 42, 7, text="hi"), secret=secret)
        assert r.status_code == 401
        assert r.json()["code"] == "BAD_SIGNATURE"
        assert set(r.json()) >= {"error", "message", "code"}
    assert not Conversation.objects.exists()
    assert not InboundMessage.objects.exists()


def test_bad_updates_are_400_and_unknown_channels_404(acme_telegram, globex):
    r = APIClient().post(
        f"/channels/{acme_telegram.public_id}/telegram",
        data=b"{not json",
        content_type="application/json",
        **{HEADER: acme_telegram.raw_secret},
    )
    assert r.status_code == 400 and r.json()["code"] == "VALIDATION_ERROR"
    r = post_update(acme_telegram, {"update_id": 1, "message": {"message_id": 1}})
    assert r.status_code == 400
    # Other update kinds are acknowledged (Telegram would retry a non-2xx answer forever).
    r = post_update(acme_telegram, {"update_id": 3, "edited_message": {}})
    assert r.status_code == 200 and r.json()["ignored"] is True
    r = APIClient().post("/channels/" + "0" * 32 + "/telegram", data={}, format="json")
    assert r.status_code == 404 and r.json()["code"] == "CHANNEL_NOT_FOUND"
    assert not Conversation.objects.exists()


def test_a_photo_arrives_as_an_attachment(acme_telegram, fake_telegram):
    body = update(
        5,
        42,
        9,
        caption="the broken part",
        photo=[
            {"file_id": "small", "file_unique_id": "a", "width": 90, "height": 67},
            {"file_id": "AgACAgQAAxkBAAIBc2", "file_unique_id": "b", "width": 4, "height": 3},
        ],
    )
    r = post_update(acme_telegram, body)
    assert r.status_code == 200, r.content
    msg = Message.objects.get(pk=r.json()["message_id"])
    assert msg.content_type == "attachment" and msg.content == "the broken part"
    att = Attachment.objects.get(message=msg)
    assert att.content_type == "image/png" and (att.width, att.height) == (4, 3)
    assert fake_telegram.sent("getFile") == [{"file_id": "AgACAgQAAxkBAAIBc2"}]


def _reply(conv, agent, text="It ships today."):
    msg, _ = actions.do_post_message(conv, sender_type="agent", content=text, agent=agent)
    return OutboundMessage.objects.get(message=msg)


def test_an_agent_reply_goes_out_with_send_message(acme, acme_telegram, fake_telegram):
    post_update(acme_telegram, update(1, 42, 7, text="Hi"))
    conv = Conversation.objects.get()
    row = _reply(conv, acme.agent)
    assert row.status == "pending"  # written with the message
    outbox.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == "sent" and row.attempt_count == 1
    assert fake_telegram.sent("sendMessage") == [{"chat_id": "42", "text": "It ships today."}]
    assert row.external_id == "500"
    assert row.attempts.get().success


def attempts_counted(outcome: str) -> float:
    from prometheus_client import REGISTRY

    labels = {"channel": "telegram", "outcome": outcome}
    return REGISTRY.get_sample_value("pingback_delivery_attempts_total", labels) or 0.0


def test_every_send_attempt_is_counted_in_the_metrics(acme, acme_telegram, fake_telegram):
    post_update(acme_telegram, update(1, 42, 7, text="Hi"))
    before = attempts_counted("succeeded"), attempts_counted("failed")
    outbox.deliver(_reply(Conversation.objects.get(), acme.agent).pk)
    fake_telegram.failures = [(500, {"ok": False, "error_code": 500, "description": "Internal"})]
    outbox.deliver(_reply(Conversation.objects.get(), acme.agent, text="Again").pk)
    assert (attempts_counted("succeeded"), attempts_counted("failed")) == (
        before[0] + 1,
        before[1] + 1,
    )


def test_a_failing_send_is_retried_then_marked_failed_with_the_reason(
    acme,
    acme_telegram,
    fake_telegram,
    settings,
    captured_events,
    django_capture_on_commit_callbacks,
):
    settings.CHANNELS_MAX_ATTEMPTS = 2
    post_update(acme_telegram, update(1, 42, 7, text="Hi"))
    conv = Conversation.objects.get()
    row = _reply(conv, acme.agent)
    too_many = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 0"}
    fake_telegram.failures = [(500, {"ok": False, "error_code": 500, "description": "Internal"})]
    outbox.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == "pending" and row.last_error.startswith("500")
    fake_telegram.failures = [(429, {**too_many, "parameters": {"retry_after": 0}})]
    with django_capture_on_commit_callbacks(execute=True):
        outbox.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == "failed" and row.attempt_count == 2
    assert row.last_error == "429 Too Many Requests: retry after 0"
    failed = [e for e in captured_events if e.type == EventType.MESSAGE_DELIVERY_FAILED]
    assert [e.data for e in failed] == [
        {
            "conversation_id": conv.pk,
            "message_id": row.message_id,
            "channel": "telegram",
            "reason": "429 Too Many Requests: retry after 0",
        }
    ]
    assert failed[0].audience.widgets == WidgetScope.NONE  # agents only, never the customer


def test_a_blocked_chat_fails_at_once(acme, acme_telegram, fake_telegram):
    post_update(acme_telegram, update(1, 42, 7, text="Hi"))
    row = _reply(Conversation.objects.get(), acme.agent)
    fake_telegram.failures = [
        (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"})
    ]
    outbox.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == "failed" and row.attempt_count == 1
    assert "blocked" in row.last_error


def test_an_attachment_reply_goes_out_with_send_photo(acme, acme_telegram, fake_telegram):
    from django.core.files.base import ContentFile

    from attachments.actions import do_upload_attachment
    from tests.channels.fake_telegram import png

    post_update(acme_telegram, update(1, 42, 7, text="Hi"))
    conv = Conversation.objects.get()
    att = do_upload_attachment(
        conv, file=ContentFile(png(), name="label.png"), uploader_type="agent"
    )
    msg, _ = actions.do_post_message(
        conv, sender_type="agent", content="Your label", agent=acme.agent, attachments=[att.pk]
    )
    outbox.deliver(msg.outbound.pk)
    [sent] = fake_telegram.sent("sendPhoto")
    assert sent["chat_id"] == "42" and sent["caption"] == "Your label"
    assert "/attachments/l." in sent["photo"]


def test_a_lease_left_by_a_dead_worker_is_swept_and_sent(
    acme, acme_telegram, fake_telegram, queued
):
    from datetime import timedelta

    from django.utils import timezone

    post_update(acme_telegram, update(1, 42, 7, text="Hi"))
    row = _reply(Conversation.objects.get(), acme.agent)
    assert outbox.claim(row.pk)  # a worker claimed it, then died before sending
    assert outbox.deliver(row.pk) is None  # the lease still holds: nobody else sends it
    OutboundMessage.objects.filter(pk=row.pk).update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )
    assert outbox.dispatch_due() == 1
    outbox.deliver(queued[-1])
    row.refresh_from_db()
    assert row.status == "sent" and len(fake_telegram.sent("sendMessage")) == 1


def test_set_webhook_registers_the_secret_token(acme, acme_telegram, fake_telegram):
    r = client_for(acme, "owner").post(f"/api/v1/channels/{acme_telegram.pk}/connect")
    assert r.status_code == 200 and r.json() == {"connected": True, "error": None}
    [call] = fake_telegram.sent("setWebhook")
    assert call["secret_token"] == acme_telegram.raw_secret
    assert call["url"].endswith(f"/channels/{acme_telegram.public_id}/telegram")


def test_a_receipt_less_widget_reply_makes_no_outbox_row(acme):
    conv = acme.start()
    actions.do_post_message(conv, sender_type="agent", content="hello", agent=acme.agent)
    assert not OutboundMessage.objects.exists()


def test_a_busy_bot_is_not_held_to_the_anonymous_rate_limit(acme_telegram, settings):
    settings.API_ANON_RATE_PER_MINUTE = 3
    for n in range(6):  # Telegram posts every update from the same few addresses
        assert post_update(acme_telegram, update(n, 42, n, text=f"m{n}")).status_code == 200
