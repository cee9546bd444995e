"""The email channel against a real SMTP server (aiosmtpd, tests/mailbox.py) and a real IMAP
server (Debian's Dovecot, tests/channels/dovecot.py): threading checked by parsing what
arrived, replies posted back as raw RFC 822 through the authenticated endpoint."""

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from rest_framework.test import APIClient

from attachments.models import Attachment
from conversations import actions
from conversations.models import Conversation, Message
from customer_channels import outbox
from customer_channels.inbound import imap
from customer_channels.models import InboundMessage, OutboundMessage
from tests.channels.dovecot import Dovecot
from tests.channels.fake_telegram import png


def customer_mail(
    text="Hello, my parcel never arrived.",
    subject="Parcel missing",
    sender="Tom Reed <tom@example.net>",
    to="support@acme.test",
    html=None,
    reply_to_mail=None,
    files=(),
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="example.net")
    if reply_to_mail is not None:
        mail["In-Reply-To"] = reply_to_mail["Message-ID"]
        mail["References"] = (
            f"{reply_to_mail.get('References', '')} {reply_to_mail['Message-ID']}".strip()
        )
    mail.set_content(text)
    if html is not None:
        mail.add_alternative(html, subtype="html")
    for name, data, maintype, subtype in files:
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return mail


def post_raw(channel, raw: bytes, token=None):
    return APIClient().generic(
        "POST",
        f"/channels/{channel.public_id}/email",
        raw,
        content_type="message/rfc822",
        HTTP_AUTHORIZATION=f"Bearer {channel.raw_token if token is None else token}",
    )


def test_a_reply_threads_and_the_answer_lands_in_the_same_conversation(
    acme, acme_email, smtp_server
):
    first = customer_mail()
    r = post_raw(acme_email, first.as_bytes())
    assert r.status_code == 201, r.content
    conv = Conversation.objects.get(pk=r.json()["conversation_id"])
    assert conv.channel_type == "email" and conv.customer.email == "tom@example.net"
    assert conv.customer.name == "Tom Reed"

    reply, _ = actions.do_post_message(
        conv, sender_type="agent", content="Sorry!\nIt ships <today>.", agent=acme.agent
    )
    outbox.deliver(reply.outbound.pk)
    mail = smtp_server.wait_for("tom@example.net")
    m = mail.message
    assert m["From"] == "Acme Support <support@acme.test>"
    assert m["Subject"] == "Re: Parcel missing"
    assert m["In-Reply-To"] == first["Message-ID"]
    assert m["References"] == first["Message-ID"]
    assert m["Message-ID"].startswith(f"<pingback.{reply.pk}.") and m["Message-ID"].endswith(
        "@acme.test>"
    )
    assert mail.text.replace("\r\n", "\n").strip() == "Sorry!\nIt ships <today>."
    assert "It ships &lt;today&gt;." in mail.html and "<br>" in mail.html
    assert m["Reply-To"].startswith(f"support+pb{conv.pk}-")

    # The customer answers from their mail client: quoted history and signature go away.
    answer = customer_mail(
        text=(
            "Great, thanks!\n\n-- \nTom Reed\n\n"
            "On Mon, Nov 30, 2026 at 10:00 AM Acme Support <support@acme.test> wrote:\n"
            "> Sorry!\n> It ships <today>.\n"
        ),
        subject="Re: Parcel missing",
        reply_to_mail=m,
    )
    r = post_raw(acme_email, answer.as_bytes())
    assert r.status_code == 201 and r.json()["conversation_id"] == conv.pk
    assert [x.content for x in conv.messages.order_by("id")] == [
        "Hello, my parcel never arrived.",
        "Sorry!\nIt ships <today>.",
        "Great, thanks!",
    ]
    # The next reply continues the thread: References lists every message so far.
    second, _ = actions.do_post_message(
        conv, sender_type="agent", content="Enjoy", agent=acme.agent
    )
    outbox.deliver(second.outbound.pk)
    smtp_server.wait_for("tom@example.net", subject="Re: Parcel missing")
    last = smtp_server.to("tom@example.net")[-1].message
    assert last["In-Reply-To"] == answer["Message-ID"]
    assert last["References"].split() == [
        first["Message-ID"],
        m["Message-ID"],
        answer["Message-ID"],
    ]


def test_a_reply_without_headers_is_matched_by_the_reply_address_token(acme, acme_email):
    r = post_raw(acme_email, customer_mail().as_bytes())
    conv_id = r.json()["conversation_id"]
    from customer_channels.email_threads import reply_address

    token_address = reply_address(acme_email, conv_id)
    # A client that drops In-Reply-To/References but writes to the Reply-To address.
    r = post_raw(acme_email, customer_mail(text="again", to=token_address).as_bytes())
    assert r.json()["conversation_id"] == conv_id
    # A forged token does not match (a new conversation is only started if none is open).
    forged = token_address.replace("-", "-0", 1)[:-1]
    r = post_raw(acme_email, customer_mail(text="forged", to=forged).as_bytes())
    assert r.json()["conversation_id"] == conv_id  # the customer's open conversation anyway


def test_a_redelivered_email_makes_one_message(acme_email):
    raw = customer_mail().as_bytes()
    assert post_raw(acme_email, raw).status_code == 201
    again = post_raw(acme_email, raw)
    assert again.status_code == 200 and again.json()["created"] is False
    assert Message.objects.count() == 1


def test_html_only_mail_is_reduced_to_text(acme_email):
    mail = EmailMessage()
    mail["From"] = "eve@example.net"
    mail["To"] = "support@acme.test"
    mail["Subject"] = "hi"
    mail["Message-ID"] = make_msgid()
    mail.set_content(
        "<p>Hello <b>there</b><script>alert(1)</script><img src=x onerror=alert(2)></p>",
        subtype="html",
    )
    r = post_raw(acme_email, mail.as_bytes())
    msg = Message.objects.get(pk=r.json()["message_id"])
    assert "<" not in msg.content and "alert" not in msg.content
    assert "Hello there" in msg.content


def test_attachments_in_and_out(acme, acme_email, smtp_server):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    mail = customer_mail(files=[("receipt.png", png(), "image", "png")])
    r = post_raw(acme_email, mail.as_bytes())
    msg = Message.objects.get(pk=r.json()["message_id"])
    att = Attachment.objects.get(message=msg)
    assert att.original_name == "receipt.png" and att.content_type == "image/png"
    assert msg.content == "Hello, my parcel never arrived."

    from django.core.files.base import ContentFile

    from attachments.actions import do_upload_attachment

    conv = msg.conversation
    upload = do_upload_attachment(
        conv, file=ContentFile(pdf, name="label.pdf"), uploader_type="agent"
    )
    reply, _ = actions.do_post_message(
        conv,
        sender_type="agent",
        content="Label attached",
        agent=acme.agent,
        attachments=[upload.pk],
    )
    outbox.deliver(reply.outbound.pk)
    out = smtp_server.wait_for("tom@example.net").message
    files = [(p.get_filename(), p.get_content()) for p in out.iter_attachments()]
    assert files == [("label.pdf", pdf)]


def test_automatic_mail_is_ignored(acme_email):
    mail = customer_mail()
    mail["Auto-Submitted"] = "auto-replied"
    r = post_raw(acme_email, mail.as_bytes())
    assert r.status_code == 200 and r.json() == {"ignored": True}
    assert not Conversation.objects.exists()


def test_a_wrong_token_or_a_bad_body_writes_nothing(acme, acme_email, globex):
    raw = customer_mail().as_bytes()
    for token in ("", "pbin_wrong", acme.raw_api_key):
        r = post_raw(acme_email, raw, token=token)
        assert r.status_code == 401 and r.json()["code"] == "BAD_SIGNATURE"
    r = post_raw(acme_email, b"no headers at all")
    assert r.status_code == 400 and set(r.json()) >= {"error", "message", "code"}
    # Another business's channel id in the URL with this channel's token: 401, never a write.
    from customer_channels.actions import create_channel

    other, _ = create_channel(globex.business, kind="email", settings={"address": "h@globex.test"})
    other.raw_token = acme_email.raw_token
    assert post_raw(other, raw).status_code == 401
    assert not InboundMessage.objects.exists() and not Conversation.objects.exists()


def test_smtp_refusal_marks_the_reply_failed(acme, acme_email, settings):
    r = post_raw(acme_email, customer_mail().as_bytes())
    conv = Conversation.objects.get(pk=r.json()["conversation_id"])
    settings.EMAIL_URL = "smtp://127.0.0.1:1"  # nothing listens: retried, not lost
    reply, _ = actions.do_post_message(conv, sender_type="agent", content="hi", agent=acme.agent)
    outbox.deliver(reply.outbound.pk)
    row = OutboundMessage.objects.get(pk=reply.outbound.pk)
    assert row.status == "pending" and "Connection refused" in row.last_error


@pytest.fixture
def mailbox_server():
    server = Dovecot("support@acme.test", "imap-secret").start()
    yield server
    server.stop()


def test_imap_polling_stores_new_mail_once(acme, mailbox_server):
    from customer_channels.actions import create_channel

    channel, _ = create_channel(
        acme.business,
        kind="email",
        settings={
            "address": "support@acme.test",
            "imap_host": "127.0.0.1",
            "imap_port": mailbox_server.port,
            "imap_ssl": False,
        },
        credentials={"imap_password": "imap-secret"},
    )
    mailbox_server.append(customer_mail().as_bytes())
    mailbox_server.append(customer_mail(text="Second mail", sender="ann@example.org").as_bytes())
    assert imap.poll_all() == 2
    assert mailbox_server.unseen() == 0
    assert imap.poll_all() == 0
    convs = Conversation.objects.filter(business=acme.business, channel_type="email")
    assert sorted(c.customer.email for c in convs) == ["ann@example.org", "tom@example.net"]
    assert channel.identities.count() == 2


def test_imap_with_a_wrong_password_stores_nothing(acme, mailbox_server):
    from customer_channels.actions import create_channel

    create_channel(
        acme.business,
        kind="email",
        settings={
            "address": "support@acme.test",
            "imap_host": "127.0.0.1",
            "imap_port": mailbox_server.port,
            "imap_ssl": False,
        },
        credentials={"imap_password": "wrong"},
    )
    mailbox_server.append(customer_mail().as_bytes())
    assert imap.poll_all() == 0
    assert mailbox_server.unseen() == 1
