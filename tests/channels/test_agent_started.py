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


def test_the_new_conversation_picker_says_where_each_channel_reaches(
    acme, acme_email, acme_telegram, globex
):
    from tests.channels.test_settings_page import signed_in

    agent = signed_in(acme.agent)
    post_update(acme_telegram, update(1, 42, 7, text="Hi"))
    tom = Conversation.objects.get(channel_type="telegram").customer
    # No customer yet: the connected channels; WhatsApp is not connected here.
    page = agent.get("/inbox/new/").content.decode()
    assert '<option value="whatsapp" disabled>WhatsApp — not connected</option>' in page
    assert '<option value="email">Email</option>' in page
    # A customer with an email address who never wrote on Telegram or in the widget.
    page = agent.get("/inbox/new/", {"customer": acme.customer.email}).content.decode()
    assert f'<option value="email">Email — {acme.customer.email}</option>' in page
    assert '<option value="telegram" disabled>Telegram — The telegram channel' in page
    assert '<option value="webchat" disabled>Chat widget — This customer has never' in page
    # The page's script asks again when the agent types another customer (JSON).
    data = agent.get(
        "/inbox/new/", {"customer": str(tom.pk)}, HTTP_ACCEPT="application/json"
    ).json()
    assert data["customer"]["id"] == tom.pk
    telegram = next(c for c in data["channels"] if c["value"] == "telegram")
    assert telegram == {"value": "telegram", "label": "Telegram", "reachable": True, "detail": "42"}
    # Another business's customer, a junk value: nobody (no hint that the id exists).
    for raw in (str(globex.customer.pk), "9" * 40, "nobody@x.test"):
        data = agent.get("/inbox/new/", {"customer": raw}, HTTP_ACCEPT="application/json").json()
        assert data["customer"] is None, raw
