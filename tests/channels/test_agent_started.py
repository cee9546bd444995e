"""Agent-started conversations on a channel deliver: email reaches any customer with an
address, WhatsApp and Telegram reach customers who wrote there before."""

from conversations.models import Conversation
from customer_channels import outbox, reach
from customer_channels.models import ChannelConversation, OutboundMessage
from tests.api.conftest import client_for
from tests.channels.fake_telegram import update
from tests.channels.test_telegram import post_update


def start(tenant, customer, channel_type, text="Your order shipped."):
    return client_for(tenant, "owner").post(
        "/api/v1/conversations",
        {"customer_id": customer.pk, "channel_type": channel_type, "message": text},
        format="json",
    )


def test_an_agent_started_email_conversation_is_emailed(acme, acme_email, smtp_server):
    r = start(acme, acme.customer, "email")
    assert r.status_code == 201, r.content
    conv = Conversation.objects.get(pk=r.json()["id"])
    link = ChannelConversation.objects.get(conversation=conv)
    assert (link.channel, link.identity.address) == (acme_email, acme.customer.email)
    row = OutboundMessage.objects.get(message__conversation=conv)
    outbox.deliver(row.pk)
    mail = smtp_server.wait_for(acme.customer.email)
    assert mail.message["In-Reply-To"] is None  # a new thread
    assert "Your order shipped." in mail.text
    assert mail.message["From"] == "Acme Support <support@acme.test>"


def test_telegram_reaches_only_customers_who_wrote_there(acme, acme_telegram, fake_telegram):
    assert reach.reach(acme.business, acme.customer, "telegram") is None
    post_update(acme_telegram, update(1, 42, 7, text="Hi"))
    known = Conversation.objects.get(channel_type="telegram").customer
    assert reach.reach(acme.business, known, "telegram") == (acme_telegram, "42")
    r = start(acme, known, "telegram", text="A follow-up")
    assert r.status_code == 201
    row = OutboundMessage.objects.get(message__conversation_id=r.json()["id"])
    outbox.deliver(row.pk)
    assert fake_telegram.sent("sendMessage")[-1] == {"chat_id": "42", "text": "A follow-up"}


def test_an_unreachable_channel_sends_nothing(acme, globex):
    from customer_channels.actions import create_channel

    # Another business's email channel never reaches this business's customers.
    create_channel(globex.business, kind="email", settings={"address": "h@globex.test"})
    assert reach.reach(acme.business, acme.customer, "email") is None
    r = start(acme, acme.customer, "email")
    assert r.status_code == 422 and r.json()["code"] == "CHANNEL_CANNOT_DELIVER"
    assert not OutboundMessage.objects.exists() and not Conversation.objects.exists()
