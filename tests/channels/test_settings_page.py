"""Inbox settings → Channels: owners connect, disable and delete channels; generated secrets
are shown once; credentials never appear; agents get 403; other businesses' ids 404."""

from django.test import Client

from conversations import actions
from customer_channels import outbox
from customer_channels.models import Channel
from tests.channels.fake_telegram import TOKEN

PAGE = "/inbox/settings/channels/"


def signed_in(agent) -> Client:
    client = Client()
    client.force_login(agent.user)
    return client


def test_an_owner_connects_a_telegram_bot_and_sees_its_secret_once(acme):
    owner = signed_in(acme.owner)
    r = owner.post(
        PAGE + "new/", {"kind": "telegram", "name": "Acme bot", "bot_token": TOKEN}, follow=True
    )
    assert r.status_code == 200
    page = r.content.decode()
    channel = Channel.objects.get(business=acme.business)
    assert channel.name == "Acme bot" and channel.kind == "telegram"
    secret = r.context["secrets"]["webhook_secret"]
    assert secret in page and TOKEN not in page
    again = owner.get(PAGE).content.decode()
    assert "Acme bot" in again and f"/channels/{channel.public_id}/telegram" in again
    assert secret not in again and TOKEN not in again


def test_an_email_channel_with_imap(acme):
    r = signed_in(acme.owner).post(
        PAGE + "new/",
        {
            "kind": "email",
            "address": "help@acme.test",
            "imap_host": "imap.acme.test",
            "imap_port": "993",
            "imap_ssl": "true",
            "imap_password": "pw",
        },
    )
    assert r.status_code == 200
    channel = Channel.objects.get()
    assert channel.settings == {
        "address": "help@acme.test",
        "imap_host": "imap.acme.test",
        "imap_port": 993,
        "imap_ssl": True,
    }


def test_bad_input_says_why_and_stores_nothing(acme):
    r = signed_in(acme.owner).post(PAGE + "new/", {"kind": "email", "address": "nope"}, follow=True)
    assert "email address" in r.content.decode()
    r = signed_in(acme.owner).post(PAGE + "new/", {"kind": "fax"}, follow=True)
    assert "Unknown channel kind" in r.content.decode()
    assert not Channel.objects.exists()


def test_disable_enable_delete_and_other_businesses(acme, globex):
    from customer_channels.actions import create_channel

    channel, _ = create_channel(acme.business, kind="widget")
    owner = signed_in(acme.owner)
    owner.post(f"{PAGE}{channel.pk}/toggle/")
    channel.refresh_from_db()
    assert channel.enabled is False
    intruder = signed_in(globex.owner)
    for action in ("toggle", "delete", "connect"):
        assert intruder.post(f"{PAGE}{channel.pk}/{action}/").status_code == 404
    assert "Widget" not in intruder.get(PAGE).content.decode().split("<h1>Channels</h1>")[1]
    owner.post(f"{PAGE}{channel.pk}/delete/")
    assert not Channel.objects.exists()


def test_plain_agents_cannot_open_it(acme):
    assert signed_in(acme.agent).get(PAGE).status_code == 403
    assert signed_in(acme.agent).post(PAGE + "new/", {"kind": "widget"}).status_code == 403
    assert not Channel.objects.exists()


def test_failed_deliveries_are_listed(acme, settings):
    from customer_channels.actions import Inbound, create_channel, do_receive_inbound

    channel, _ = create_channel(acme.business, kind="telegram", credentials={"bot_token": "1:x"})
    msg, _ = do_receive_inbound(channel, Inbound(address="9", external_id="9:1", content="hi"))
    channel.enabled = False
    channel.save(update_fields=["enabled"])
    reply, _ = actions.do_post_message(
        msg.conversation, sender_type="agent", content="hello", agent=acme.agent
    )
    conv_url = f"/inbox/c/{msg.conversation_id}/"
    before = signed_in(acme.owner).get(conv_url).content.decode()
    assert '<span class="receipt receipt-sending">sending on Telegram…</span>' in before
    outbox.deliver(reply.outbound.pk)
    page = signed_in(acme.owner).get(PAGE).content.decode()
    assert "the channel is disabled" in page
    conv_page = signed_in(acme.owner).get(conv_url).content.decode()
    assert "Not delivered: the channel is disabled" in conv_page
    assert '<span class="receipt receipt-failed">failed</span>' in conv_page


def test_the_reply_box_knows_the_channel_and_its_limits(acme, acme_whatsapp, acme_email):
    from datetime import timedelta

    from django.utils import timezone

    from conversations.models import Message
    from customer_channels.actions import Inbound, do_receive_inbound

    wa, _ = do_receive_inbound(
        acme_whatsapp, Inbound(address="4915", external_id="w1", content="hi")
    )
    page = signed_in(acme.owner).get(f"/inbox/c/{wa.conversation_id}/").content.decode()
    assert "Sent on WhatsApp to +4915; replies are allowed until" in page
    Message.objects.filter(pk=wa.pk).update(created_at=timezone.now() - timedelta(hours=25))
    page = signed_in(acme.owner).get(f"/inbox/c/{wa.conversation_id}/").content.decode()
    assert "The WhatsApp 24-hour window is closed" in page

    mail, _ = do_receive_inbound(
        acme_email,
        Inbound(address="tom@example.net", external_id="<a@b>", content="hi", subject="Parcel"),
    )
    page = signed_in(acme.owner).get(f"/inbox/c/{mail.conversation_id}/").content.decode()
    assert "Sent by email to tom@example.net, subject “Re: Parcel”." in page
    widget = acme.start()
    assert (
        "channel-note" not in signed_in(acme.owner).get(f"/inbox/c/{widget.pk}/").content.decode()
    )
