"""Admin pages load with bounded queries; admin actions go through the actions layer."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from conversations import actions
from conversations.actions import Actor
from conversations.events import EventType
from conversations.models import Agent, ApiKey, Business, Conversation, Customer, EventLog, Message

MODELS = [Business, Agent, ApiKey, Customer, Conversation, Message, EventLog]


@pytest.fixture
def staff_client(client, acme):
    user = acme.owner.user
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


@pytest.fixture
def busy(acme, globex):
    for tenant in (acme, globex):
        for i in range(8):
            conv = tenant.start(f"question {i}")
            actions.do_post_message(conv, sender_type="agent", content="answer", agent=tenant.agent)
            if i % 2:
                actions.do_assign(conv, tenant.agent, actor=Actor.of_agent(tenant.owner))
    return acme


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_and_change_form_load_with_bounded_queries(
    staff_client, busy, model, django_assert_max_num_queries
):
    meta = model._meta
    with django_assert_max_num_queries(20):
        response = staff_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert response.status_code == 200
    obj = model.objects.order_by("pk").first()
    with django_assert_max_num_queries(30):
        response = staff_client.get(
            reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        )
    assert response.status_code == 200


def test_search_finds_customers_and_message_text(staff_client, busy):
    url = reverse("admin:conversations_conversation_changelist")
    assert staff_client.get(url, {"q": '"question 3"'}).context["cl"].result_count == 2
    conv_url = reverse("admin:conversations_message_changelist")
    assert staff_client.get(conv_url, {"q": "answer"}).context["cl"].result_count == 16
    assert staff_client.get(url, {"q": "acme customer"}).context["cl"].result_count == 8


@pytest.mark.django_db(transaction=True)
def test_admin_actions_publish_events_through_the_actions_layer(
    staff_client, acme, captured_events
):
    conv = acme.start()
    url = reverse("admin:conversations_conversation_changelist")
    for action, status in [
        ("resolve", "resolved"),
        ("reopen", "open"),
        ("set_pending", "pending"),
        ("close", "closed"),
    ]:
        staff_client.post(url, {"action": action, "_selected_action": [conv.pk]})
        conv.refresh_from_db()
        assert conv.status == status
    staff_client.post(url, {"action": "assign_to_me", "_selected_action": [conv.pk]})
    conv.refresh_from_db()
    assert conv.assignee == acme.owner
    staff_client.post(
        url,
        {
            "action": "assign_to",
            "_selected_action": [conv.pk],
            "apply": "1",
            "agent": acme.agent.pk,
        },
    )
    conv.refresh_from_db()
    assert conv.assignee == acme.agent
    types = [e.type for e in captured_events]
    assert types.count(EventType.CONVERSATION_STATUS_CHANGED) == 4
    assert types.count(EventType.CONVERSATION_ASSIGNED) == 2
    statuses = [
        e.data["status"] for e in captured_events if e.type == EventType.CONVERSATION_STATUS_CHANGED
    ]
    assert statuses == ["resolved", "open", "pending", "closed"]


def test_refused_admin_action_reports_instead_of_crashing(staff_client, acme):
    conv = acme.start()
    url = reverse("admin:conversations_conversation_changelist")
    response = staff_client.post(
        url, {"action": "reopen", "_selected_action": [conv.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "Only closed or resolved conversations can become open" in response.content.decode()
    assert EventLog.objects.filter(type=EventType.CONVERSATION_STATUS_CHANGED).count() == 0


def test_admin_creates_api_keys_hashed_and_shows_them_once(staff_client, acme):
    response = staff_client.post(
        reverse("admin:conversations_apikey_add"),
        {"business": acme.business.pk, "name": "CI"},
        follow=True,
    )
    text = response.content.decode()
    key = ApiKey.objects.get(name="CI")
    assert "will not be shown again" in text
    raw = text.split("will not be shown again: ")[1].split("<")[0].strip()
    assert ApiKey.hash_key(raw) == key.key_hash and raw.startswith(key.prefix)


def test_non_staff_cannot_open_the_admin(client, acme):
    client.force_login(acme.agent.user)
    assert client.get("/admin/conversations/conversation/").status_code == 302
    assert get_user_model().objects.filter(is_staff=True).count() == 0


@pytest.mark.django_db(transaction=True)
def test_admin_role_changes_and_removals_go_through_the_actions(
    staff_client, acme, captured_events
):
    url = reverse("admin:conversations_agent_change", args=[acme.agent.pk])
    page = staff_client.get(url)
    assert page.status_code == 200
    response = staff_client.post(url, {"role": "admin"})
    assert response.status_code == 302, response.content[:500]
    acme.agent.refresh_from_db()
    assert acme.agent.role == "admin"
    conv = acme.start()
    actions.do_assign(conv, acme.other_agent, actor=Actor.of_agent(acme.owner))
    delete = reverse("admin:conversations_agent_delete", args=[acme.other_agent.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 302
    assert not Agent.objects.filter(pk=acme.other_agent.pk).exists()
    conv.refresh_from_db()
    assert conv.assignee is None
    changed = [e for e in captured_events if e.type == EventType.AGENT_MEMBERSHIP_CHANGED]
    assert [e.data["role"] for e in changed] == ["admin", None]
