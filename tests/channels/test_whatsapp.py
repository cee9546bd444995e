"""WhatsApp Cloud API end to end against a local Graph API (tests/channels/fake_whatsapp.py,
following the published request, response, error and webhook formats cited there)."""

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from attachments.models import Attachment
from conversations import actions
from conversations.models import Conversation, Message
from customer_channels import outbox
from customer_channels.models import InboundMessage, OutboundMessage
from tests.api.conftest import client_for
from tests.channels import fake_whatsapp as wa
from tests.channels.fake_telegram import png


def post(channel, body: dict, signature: str | None = None):
    raw, good = wa.signed(body)
    return APIClient().generic(
        "POST",
        f"/channels/{channel.public_id}/whatsapp",
        raw,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=good if signature is None else signature,
    )


def test_the_verification_handshake_echoes_the_challenge(acme_whatsapp):
    url = f"/channels/{acme_whatsapp.public_id}/whatsapp"
    ok = APIClient().get(
        url,
        {
            "hub.mode": "subscribe",
            "hub.challenge": "1158201444",
            "hub.verify_token": wa.VERIFY_TOKEN,
        },
    )
    assert ok.status_code == 200 and ok.content == b"1158201444"
    bad = APIClient().get(
        url, {"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": "guess"}
    )
    assert bad.status_code == 403 and bad.json()["code"] == "FORBIDDEN"


def test_a_text_message_in_and_its_redelivery_make_one_message(acme_whatsapp):
    body = wa.payload(
        contacts=[wa.contact()], messages=[wa.text_message("wamid.A1", "Another color?")]
    )
    assert post(acme_whatsapp, body).status_code == 200
    assert post(acme_whatsapp, body).status_code == 200
    conv = Conversation.objects.get()
    assert conv.channel_type == "whatsapp" and conv.customer.name == "Sheena Nelson"
    assert [m.content for m in conv.messages.all()] == ["Another color?"]


def test_a_forged_signature_writes_nothing(acme_whatsapp):
    body = wa.payload(messages=[wa.text_message("wamid.A1", "hi")])
    _, other_secret = wa.signed(body, secret="not-the-app-secret")
    for signature in ("", "sha256=00", other_secret):
        r = post(acme_whatsapp, body, signature=signature)
        assert r.status_code == 401 and r.json()["code"] == "BAD_SIGNATURE"
    assert not Conversation.objects.exists() and not InboundMessage.objects.exists()


def test_bad_payloads_are_400(acme_whatsapp):
    for body in ({"object": "x"}, {"entry": [{"changes": "no"}]}):
        r = post(acme_whatsapp, body)
        assert r.status_code == 400 and set(r.json()) >= {"error", "message", "code"}


def test_an_image_is_downloaded_as_an_attachment(acme_whatsapp, fake_whatsapp):
    fake_whatsapp.media["1003383421387256"] = ("image/png", png())
    message = {
        "from": "16505551234",
        "id": "wamid.IMG",
        "timestamp": "1749416383",
        "type": "image",
        "image": {"caption": "this one", "mime_type": "image/png", "id": "1003383421387256"},
    }
    assert post(acme_whatsapp, wa.payload(messages=[message])).status_code == 200
    msg = Message.objects.get()
    assert msg.content == "this one" and Attachment.objects.get(message=msg).width == 4


def _conversation(channel):
    post(channel, wa.payload(messages=[wa.text_message("wamid.A1", "hi")]))
    return Conversation.objects.get()


def test_a_reply_goes_out_and_statuses_become_receipts(acme, acme_whatsapp, fake_whatsapp):
    conv = _conversation(acme_whatsapp)
    reply, _ = actions.do_post_message(conv, sender_type="agent", content="Blue", agent=acme.agent)
    outbox.deliver(reply.outbound.pk)
    assert fake_whatsapp.sent() == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "16505551234",
            "type": "text",
            "text": {"preview_url": False, "body": "Blue"},
        }
    ]
    wamid = OutboundMessage.objects.get(message=reply).external_id
    assert wamid.startswith("wamid.")
    r = post(acme_whatsapp, wa.payload(statuses=[wa.status(wamid, "delivered")]))
    assert r.json()["receipts"] == 1
    reply.refresh_from_db()
    assert reply.delivered_at is not None and reply.read_at is None
    post(acme_whatsapp, wa.payload(statuses=[wa.status(wamid, "read")]))
    reply.refresh_from_db()
    assert reply.read_at is not None
    # A status for a message of another channel or an unknown id changes nothing.
    assert (
        post(acme_whatsapp, wa.payload(statuses=[wa.status("wamid.X", "read")])).json()["receipts"]
        == 0
    )


def test_outside_the_24_hour_window_the_agent_gets_a_clear_error(acme, acme_whatsapp):
    conv = _conversation(acme_whatsapp)
    Message.objects.filter(conversation=conv).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    r = client_for(acme, "agent").post(
        f"/api/v1/conversations/{conv.pk}/messages", {"content": "late"}, format="json"
    )
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "WHATSAPP_WINDOW_CLOSED"
    assert "24 hours" in r.json()["message"]
    assert conv.messages.count() == 1 and not OutboundMessage.objects.exists()


def test_the_providers_window_error_fails_the_reply_at_once(acme, acme_whatsapp, fake_whatsapp):
    conv = _conversation(acme_whatsapp)
    reply, _ = actions.do_post_message(conv, sender_type="agent", content="hi", agent=acme.agent)
    fake_whatsapp.failures = [
        (
            400,
            {
                "error": {
                    "message": "(#131047) Re-engagement message",
                    "type": "OAuthException",
                    "code": 131047,
                    "error_data": {
                        "messaging_product": "whatsapp",
                        "details": "Message failed to send because more than 24 hours have "
                        "passed since the customer last replied to this number.",
                    },
                    "fbtrace_id": "A1",
                }
            },
        )
    ]
    outbox.deliver(reply.outbound.pk)
    row = OutboundMessage.objects.get(message=reply)
    assert row.status == "failed" and "more than 24 hours" in row.last_error


def test_a_failed_status_marks_the_reply_failed(acme, acme_whatsapp, fake_whatsapp):
    from conversations.models import EventLog

    conv = _conversation(acme_whatsapp)
    reply, _ = actions.do_post_message(conv, sender_type="agent", content="hi", agent=acme.agent)
    outbox.deliver(reply.outbound.pk)
    wamid = OutboundMessage.objects.get(message=reply).external_id
    failed = {
        **wa.status(wamid, "failed"),
        "errors": [
            {
                "code": 131026,
                "title": "Message undeliverable",
                "message": "Message undeliverable",
                "error_data": {"details": "The recipient is not a WhatsApp user."},
            }
        ],
    }
    assert post(acme_whatsapp, wa.payload(statuses=[failed])).status_code == 200
    row = OutboundMessage.objects.get(message=reply)
    assert row.status == "failed"
    assert (
        row.last_error == "(#131026) Message undeliverable: The recipient is not a WhatsApp user."
    )
    [event] = EventLog.objects.filter(type="message.delivery_failed")
    assert event.data["message_id"] == reply.pk and event.data["channel"] == "whatsapp"
