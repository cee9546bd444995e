"""Agent-started conversations reach the customer, or the API says plainly they cannot (422)."""

import pytest

from conversations import actions
from customer_channels.actions import create_channel
from customer_channels.models import ChannelConversation, OutboundMessage
from tests.api.conftest import assert_error, client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/conversations"


@pytest.fixture(autouse=True)
def no_sends(monkeypatch):
    from customer_channels import outbox

    monkeypatch.setattr(outbox, "enqueue", lambda pk, countdown=None: None)


def start(client, customer, channel, text="We have news about your order"):
    return client.post(
        URL, {"customer_id": customer.pk, "channel_type": channel, "message": text}, format="json"
    )


def test_a_customer_who_never_used_the_widget_cannot_get_a_widget_conversation(acme):
    stranger = actions.create_customer(acme.business, name="Nora", email="nora@x.test")
    owner = client_for(acme, "owner")
    body = assert_error(start(owner, stranger, "webchat"), 422, "CHANNEL_CANNOT_DELIVER")
    assert "never used the chat widget" in body["message"]
    assert not stranger.conversations.exists()
    # A widget visitor (wrote from the widget before) can.
    acme.start("hi from the widget")
    assert start(owner, acme.customer, "webchat").status_code == 201


def test_email_goes_out_through_the_email_channel_or_is_refused(acme):
    owner = client_for(acme, "owner")
    body = assert_error(start(owner, acme.customer, "email"), 422, "CHANNEL_CANNOT_DELIVER")
    assert "no enabled email channel" in body["message"]
    channel, _ = create_channel(
        acme.business, kind="email", settings={"address": "support@acme.test"}
    )
    created = start(owner, acme.customer, "email")
    assert created.status_code == 201, created.content
    link = ChannelConversation.objects.get(conversation_id=created.json()["id"])
    assert link.channel == channel and link.identity.address == acme.customer.email
    (outbound,) = OutboundMessage.objects.all()
    assert outbound.message.content == "We have news about your order"
    # Without an email address there is nobody to write to.
    no_mail = actions.create_customer(acme.business, name="Anon")
    body = assert_error(start(owner, no_mail, "email"), 422, "CHANNEL_CANNOT_DELIVER")
    assert "no email address" in body["message"]


@pytest.mark.parametrize("channel", ["sms", "telegram", "whatsapp"])
def test_channels_without_a_route_are_refused_before_anything_is_stored(acme, channel):
    response = start(client_for(acme, "owner"), acme.customer, channel)
    assert_error(response, 422, "CHANNEL_CANNOT_DELIVER")
    assert not acme.customer.conversations.exists()


def test_api_conversations_and_bad_input(acme, globex):
    owner = client_for(acme, "owner")
    assert start(owner, acme.customer, "api").status_code == 201
    assert_error(start(owner, globex.customer, "api"), 404, "CUSTOMER_NOT_FOUND")
    for bad in ("", "x" * 100_000, 5):
        response = owner.post(
            URL,
            {"customer_id": acme.customer.pk, "channel_type": "api", "message": bad},
            format="json",
        )
        assert response.status_code == 400, (bad, response.content)


def test_inbox_new_conversation_screen(client, acme, globex):
    from conversations.models import Customer
    from tests.inbox.test_views import login

    login(client, acme.agent)
    assert client.get("/inbox/new/").status_code == 200
    # A new customer on the widget: refused in words, and the new customer is not kept.
    refused = client.post(
        "/inbox/new/",
        {
            "new_name": "Nora",
            "new_email": "nora@x.test",
            "channel_type": "webchat",
            "message": "Hi",
        },
        HTTP_ACCEPT="application/json",
    )
    assert refused.status_code == 422 and refused.json()["code"] == "CHANNEL_CANNOT_DELIVER"
    assert not Customer.objects.filter(name="Nora").exists()
    # By email of an existing customer, on the API channel.
    made = client.post(
        "/inbox/new/",
        {"customer": acme.customer.email, "channel_type": "api", "message": "Following up"},
    )
    assert made.status_code == 302 and "/inbox/c/" in made.url
    # Another business's customer id is unknown here.
    other = client.post(
        "/inbox/new/",
        {"customer": str(globex.customer.pk), "channel_type": "api", "message": "x"},
        HTTP_ACCEPT="application/json",
    )
    assert other.status_code == 404
    empty = client.post(
        "/inbox/new/", {"channel_type": "api", "message": "x"}, HTTP_ACCEPT="application/json"
    )
    assert empty.status_code == 400
