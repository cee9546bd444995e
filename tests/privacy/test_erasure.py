"""Erasing a customer: after it, no surface returns their data; only managers of their own
business may do it; it is recorded as a ``customer.erased`` event."""

import json

import pytest
from django.test import Client

from attachments.models import Attachment
from conversations import actions
from conversations.events import EventType
from conversations.models import EventLog, Message
from privacy.actions import ERASED_TEXT, do_erase_customer
from privacy.models import Erasure
from realtime import session_tokens
from tests.api.conftest import assert_error, client_for
from tests.attachments import files
from tests.attachments.conftest import stored_files
from tests.attachments.test_http import get, widget_upload
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

NAME, EMAIL, SECRET = "Dana Delete", "dana@private.test", "my card is 4111 1111"


@pytest.fixture
def dana(acme):
    """The demo's case: a customer with personal data, a file and "Please delete my account"."""
    customer = actions.create_customer(
        acme.business, name=NAME, email=EMAIL, external_id="crm-42", metadata={"plan": "gold"}
    )
    conv = acme.start("Please delete my account.", customer=customer, metadata={"page_url": "x"})
    actions.do_post_message(conv, sender_type="customer", content=SECRET)
    token = session_tokens.issue(acme.business.pk, customer.pk)
    up = widget_upload(Client(), acme, conv, "id.png", files.png_bytes(), token=token)
    att_id = up.json()["attachments"][0]["id"]
    msg, _ = actions.do_post_message(
        conv, sender_type="customer", content="my ID", attachments=[att_id]
    )
    actions.do_post_message(conv, sender_type="agent", content=f"Sure {NAME}", agent=acme.agent)
    from conversations.snapshots import message_snapshot

    return customer, conv, message_snapshot(msg)["attachments"][0]


def leaks(text: str) -> list[str]:
    return [s for s in (NAME, EMAIL, SECRET, "crm-42", "gold", "my ID") if s in text]


def test_rest_erase_removes_the_data_from_every_surface(
    acme, dana, attachment_storage, django_capture_on_commit_callbacks, captured_events
):
    customer, conv, att = dana
    staff = Client()
    staff.force_login(acme.owner.user)
    assert get(staff, att["url"]).status_code == 200
    assert len(stored_files(attachment_storage)) == 2  # the image and its thumbnail
    api = client_for(acme, "owner")
    assert leaks(api.get(f"/api/v1/customers/{customer.pk}").content.decode())

    with django_capture_on_commit_callbacks(execute=True):
        resp = api.post(f"/api/v1/customers/{customer.pk}/erase")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["customer_id"] == customer.pk and body["attachments"] == 1
    assert body["messages"] == 4 and body["conversations"] == 1

    # REST: the customer, the conversation, its messages, the session view, the event log.
    for path in (
        f"/api/v1/customers/{customer.pk}",
        f"/api/v1/customers?email={EMAIL}",
        f"/api/v1/conversations/{conv.pk}",
        f"/api/v1/conversations/{conv.pk}/messages",
        f"/api/v1/sessions/{conv.pk}",
        f"/api/v1/sessions/{conv.pk}/messages",
        "/api/v1/events",
    ):
        r = api.get(path)
        assert r.status_code == 200, (path, r.content)
        assert leaks(r.content.decode()) == [], path
    texts = set(Message.objects.filter(conversation=conv).values_list("content", flat=True))
    assert texts == {ERASED_TEXT}
    # Attachments: rows, files and the signed URL.
    assert not Attachment.objects.filter(conversation=conv).exists()
    assert stored_files(attachment_storage) == set()
    assert get(staff, att["url"]).status_code == 404
    # The inbox page shows nothing either.
    page = staff.get(f"/inbox/c/{conv.pk}/")
    assert page.status_code == 200 and leaks(page.content.decode()) == []
    # The event log keeps only the erasure (no personal data in it).
    rows = list(EventLog.objects.filter(business=acme.business).values_list("type", "data"))
    assert [t for t, _ in rows if t == "customer.erased"] == ["customer.erased"]
    assert leaks(json.dumps([d for _, d in rows])) == []
    erased = [e for e in captured_events if e.type == EventType.CUSTOMER_ERASED]
    assert len(erased) == 1 and erased[0].data["customer"]["email"] == ""
    assert erased[0].data["conversations"][0]["first_message_text"] == ERASED_TEXT
    assert Erasure.objects.get().actor.startswith("agent")


def test_admin_search_finds_nothing_after_erasure(acme, dana, django_capture_on_commit_callbacks):
    customer, conv, _ = dana
    user = acme.owner.user
    user.is_staff = user.is_superuser = True
    user.save()
    admin = Client()
    admin.force_login(user)
    found = admin.get("/admin/conversations/customer/", {"q": EMAIL})
    assert NAME in found.content.decode()
    # The admin action erases (through the same action).
    with django_capture_on_commit_callbacks(execute=True):
        resp = admin.post(
            "/admin/conversations/customer/",
            {"action": "erase", "_selected_action": [customer.pk]},
            follow=True,
        )
    assert resp.status_code == 200 and "Erased 1 customer" in resp.content.decode()
    for url, q in (
        ("/admin/conversations/customer/", EMAIL),
        ("/admin/conversations/customer/", "crm-42"),
        ("/admin/conversations/conversation/", SECRET),
        ("/admin/conversations/message/", SECRET),
        ("/admin/conversations/eventlog/", NAME),
    ):
        found = admin.get(url, {"q": q})
        assert found.context["cl"].result_count == 0, (url, q)  # the page echoes the query
        assert leaks(admin.get(url).content.decode()) == [], url
    detail = admin.get(f"/admin/conversations/conversation/{conv.pk}/change/").content.decode()
    assert leaks(detail) == []


def test_topics_snapshot_after_erasure_has_no_customer_data(acme, dana):
    from asgiref.sync import async_to_sync

    from tests.realtime_topics.helpers import Client as TopicsClient
    from tests.realtime_topics.helpers import published, token_for

    customer, conv, _ = dana
    do_erase_customer(customer)
    b = acme.business.public_id

    async def snapshots():
        client = await TopicsClient.topics(token_for(acme.owner))
        frames = []
        for topic in (
            f"/{b}/requests",
            f"/{b}/requests/{conv.pk}",
            f"/{b}/requests/{conv.pk}/messages",
        ):
            frames.append(published(await client.subscribe(topic), topic, "CREATE"))
        await client.close()
        return frames

    frames = async_to_sync(snapshots)()
    assert frames[0] and frames[2]
    assert leaks(json.dumps(frames)) == []


@pytest.fixture
def hook(acme, allow_private, queued):
    """An endpoint created before the customer's events (it only gets later ones)."""
    from webhooks import actions as webhook_actions

    endpoint, _ = webhook_actions.create_endpoint(
        acme.business, url="http://127.0.0.1:9/hook", events=["*"]
    )
    return endpoint


def test_pending_webhooks_of_erased_events_are_never_sent(acme, hook, dana):
    from webhooks.outbox import fan_out_event

    customer, conv, _ = dana
    for event_id in EventLog.objects.filter(conversation_id=conv.pk).values_list("id", flat=True):
        fan_out_event(event_id)
    assert WebhookDelivery.objects.filter(business=acme.business).exists()
    do_erase_customer(customer)
    bodies = list(WebhookDelivery.objects.values_list("body", flat=True))
    assert leaks(" ".join(bodies)) == []


def test_another_business_and_plain_agents_cannot_erase(acme, globex, dana):
    customer, _, _ = dana
    assert_error(
        client_for(globex, "key").post(f"/api/v1/customers/{customer.pk}/erase"),
        404,
        "CUSTOMER_NOT_FOUND",
    )
    assert_error(
        client_for(globex, "owner").post(f"/api/v1/customers/{customer.pk}/erase"),
        404,
        "CUSTOMER_NOT_FOUND",
    )
    assert_error(
        client_for(acme, "agent").post(f"/api/v1/customers/{customer.pk}/erase"), 403, "FORBIDDEN"
    )
    assert_error(
        client_for(acme, "key").post("/api/v1/customers/nope/erase"), 404, "CUSTOMER_NOT_FOUND"
    )
    assert Erasure.objects.count() == 0
    customer.refresh_from_db()
    assert customer.email == EMAIL


def test_inbox_erase_button_for_managers_with_confirmation(
    acme, globex, dana, django_capture_on_commit_callbacks
):
    customer, conv, _ = dana
    url = f"/inbox/c/{conv.pk}/erase/"
    owner = Client()
    owner.force_login(acme.owner.user)
    assert 'data-action="erase-customer"' in owner.get(f"/inbox/c/{conv.pk}/").content.decode()
    agent = Client()
    agent.force_login(acme.agent.user)
    page = agent.get(f"/inbox/c/{conv.pk}/").content.decode()
    assert 'data-action="erase-customer"' not in page
    refused = agent.post(url, {"confirm": "yes"}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN"
    foreign = Client()
    foreign.force_login(globex.owner.user)
    assert foreign.post(url, {"confirm": "yes"}).status_code == 404
    unconfirmed = owner.post(url, {}, HTTP_ACCEPT="application/json")
    assert unconfirmed.status_code == 400 and unconfirmed.json()["code"] == "VALIDATION_ERROR"
    assert Erasure.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        done = owner.post(url, {"confirm": "yes"}, follow=True)
    assert "Customer erased" in done.content.decode()
    customer.refresh_from_db()
    assert (customer.name, customer.email, customer.metadata) == ("", "", {})


def test_what_other_apps_keep_about_the_customer_is_erased_too(acme, dana):
    from csat.actions import do_rate_conversation
    from csat.models import Rating
    from customer_channels import actions as channel_actions
    from customer_channels.models import ChannelConversation, ChannelIdentity
    from teamtools.actions.notes import do_add_note
    from teamtools.models import Note

    customer, conv, _ = dana
    actions.do_update_business_settings(acme.business, csat_enabled=True)
    owner = actions.Actor.of_agent(acme.owner)
    actions.do_resolve(conv, actor=owner)
    do_rate_conversation(conv, score=2, comment=f"{NAME} was unhappy", actor=owner)
    do_add_note(conv, author=acme.owner, content=f"{EMAIL} called about {SECRET}")
    channel, _ = channel_actions.create_channel(
        acme.business, kind="telegram", credentials={"bot_token": "1:x"}
    )
    channel_actions.link_conversation(channel, conv, "tg-555001")
    ChannelConversation.objects.filter(conversation=conv).update(subject=f"From {NAME}")

    do_erase_customer(customer)
    assert Rating.objects.get(conversation=conv).comment == ""
    assert Note.objects.get(conversation=conv).content == ERASED_TEXT
    assert not ChannelIdentity.objects.filter(address="tg-555001").exists()
    assert ChannelConversation.objects.get(conversation=conv).subject == ""
