"""Customer profiles: editing, custom attributes, past conversations, and merging duplicates
(only ever explicitly, by owners and admins)."""

import pytest

from conversations import actions, errors
from conversations.actions import Actor
from conversations.events import EventType
from conversations.models import Customer
from conversations.pocketping_events import POCKETPING
from customer_channels.actions import create_channel, link_conversation
from customer_channels.models import ChannelIdentity
from teamtools.actions.merge import do_merge_customers
from tests.api.conftest import assert_error, client_for
from tests.inbox.test_views import login

pytestmark = pytest.mark.django_db


def second_device(tenant, text="hello from my phone"):
    twin = actions.create_customer(
        tenant.business, name="acme customer", metadata={"device": "phone"}
    )
    conv = tenant.start(text, customer=twin)
    return twin, conv


@pytest.mark.django_db(transaction=True)
def test_merge_moves_conversations_messages_and_identities(acme, captured_events):
    first = acme.start("from my laptop")
    twin, phone_conv = second_device(acme)
    channel, _ = create_channel(acme.business, kind="email", settings={"address": "s@acme.test"})
    link_conversation(channel, phone_conv, "phone@x.test")
    kept = do_merge_customers(acme.customer, twin, actor=Actor.of_agent(acme.owner))
    assert not Customer.objects.filter(pk=twin.pk).exists()
    assert sorted(kept.conversations.values_list("pk", flat=True)) == sorted(
        [first.pk, phone_conv.pk]
    )
    assert phone_conv.messages.get().content == "hello from my phone"
    assert ChannelIdentity.objects.get(address="phone@x.test").customer_id == kept.pk
    assert kept.metadata["device"] == "phone" and kept.email == "customer@acme-mail.test"
    (event,) = [e for e in captured_events if e.type == EventType.CUSTOMER_MERGED]
    assert event.data["merged_customer_id"] == twin.pk
    assert event.data["conversation_ids"] == [phone_conv.pk]
    name, data = POCKETPING.render(event)[0]
    assert name == "customer.merged" and data["sessionIds"] == [str(phone_conv.pk)]


def test_no_merge_into_itself_or_across_businesses(acme, globex):
    with pytest.raises(errors.ValidationFailed):
        do_merge_customers(acme.customer, acme.customer, actor=Actor.system())
    with pytest.raises(errors.CustomerNotFound):
        do_merge_customers(acme.customer, globex.customer, actor=Actor.system())


def test_the_same_email_is_never_merged_on_its_own(acme):
    """A visitor typing someone else's email gets their own customer, never that history."""
    acme.start("my private order 1234")
    impostor = actions.create_customer(acme.business, name="Mallory", email=acme.customer.email)
    assert impostor.pk != acme.customer.pk
    assert not impostor.conversations.exists()


def test_rest_merge(acme, globex):
    twin, conv = second_device(acme)
    agent = client_for(acme, "agent")
    url = f"/api/v1/customers/{acme.customer.pk}/merge"
    assert_error(agent.post(url, {"other_customer_id": twin.pk}), 403, "FORBIDDEN")
    owner = client_for(acme, "owner")
    assert_error(
        owner.post(url, {"other_customer_id": globex.customer.pk}), 404, "CUSTOMER_NOT_FOUND"
    )
    assert_error(
        owner.post(f"/api/v1/customers/{globex.customer.pk}/merge", {"other_customer_id": twin.pk}),
        404,
        "CUSTOMER_NOT_FOUND",
    )
    for bad in ({}, {"other_customer_id": "x"}, {"other_customer_id": 0}, [1]):
        response = owner.post(url, bad)
        assert response.status_code == 400 and "code" in response.json(), bad
    assert_error(owner.post(url, {"other_customer_id": acme.customer.pk}), 400, "VALIDATION_ERROR")
    merged = owner.post(url, {"other_customer_id": twin.pk})
    assert merged.status_code == 200 and merged.json()["metadata"]["device"] == "phone"
    conv.refresh_from_db()
    assert conv.customer_id == acme.customer.pk


def test_inbox_profile_edit_past_conversations_and_merge(client, acme):
    older = acme.start("first visit")
    current = acme.start("second visit")
    actions.do_assign(older, acme.other_agent, actor=Actor.of_agent(acme.owner))
    twin, _ = second_device(acme)
    login(client, acme.agent)
    page = client.get(f"/inbox/c/{current.pk}/").content.decode()
    # Alice may not see the older conversation (assigned to Arthur): not listed.
    assert f"/inbox/c/{older.pk}/" not in page and "Possible duplicates" not in page
    client.post(
        f"/inbox/c/{current.pk}/customer/",
        {"name": "Sam Buyer", "email": "sam@x.test", "attr_key": "plan", "attr_value": "Pro"},
    )
    acme.customer.refresh_from_db()
    assert acme.customer.name == "Sam Buyer" and acme.customer.metadata["plan"] == "Pro"
    bad = client.post(
        f"/inbox/c/{current.pk}/customer/",
        {"attr_key": "no spaces!"},
        HTTP_ACCEPT="application/json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "VALIDATION_ERROR"
    refused = client.post(
        f"/inbox/c/{current.pk}/customer/merge/", {"other": twin.pk}, HTTP_ACCEPT="application/json"
    )
    assert refused.status_code == 403
    login(client, acme.owner)
    page = client.get(f"/inbox/c/{current.pk}/").content.decode()
    assert f"/inbox/c/{older.pk}/" in page
    twin.name = "Sam Buyer"
    twin.save()
    assert "Possible duplicates" in client.get(f"/inbox/c/{current.pk}/").content.decode()
    client.post(f"/inbox/c/{current.pk}/customer/merge/", {"other": twin.pk})
    assert not Customer.objects.filter(pk=twin.pk).exists()
