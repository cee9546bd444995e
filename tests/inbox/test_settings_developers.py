"""Settings → API keys and Settings → Webhooks: the key and the signing secret shown once,
revoke; register, edit, a test event delivered to a real HTTP receiver with its attempt in the
log, replay, delete. Managers only; another business's ids are 404."""

import pytest
from django.test import Client

from conversations.access import authenticate_api_key
from conversations.models import ApiKey
from tests.webhooks.receiver import Receiver
from webhooks import actions as webhook_actions
from webhooks.models import WebhookDelivery, WebhookEndpoint

JSON = {"HTTP_ACCEPT": "application/json"}


def as_member(agent) -> Client:
    client = Client()
    client.force_login(agent.user)
    return client


@pytest.mark.django_db
def test_api_keys_created_shown_once_and_revoked(acme, globex):
    owner = as_member(acme.owner)
    page = owner.post("/inbox/settings/api-keys/", {"name": "CRM sync"})
    assert page.status_code == 200
    raw = page.context["raw_key"]
    assert raw.startswith("pbk_") and raw in page.content.decode()
    key = authenticate_api_key(raw)
    assert key.business == acme.business and key.created_by == acme.owner.user
    listing = owner.get("/inbox/settings/api-keys/").content.decode()
    assert "CRM sync" in listing and raw not in listing  # never shown again
    assert owner.post("/inbox/settings/api-keys/", {"name": " "}, **JSON).status_code == 400
    # Another business's key: 404, still working.
    other = globex.api_key
    assert owner.post(f"/inbox/settings/api-keys/{other.pk}/revoke/").status_code == 404
    assert authenticate_api_key(globex.raw_api_key) is not None
    assert owner.post(f"/inbox/settings/api-keys/{key.pk}/revoke/").status_code == 302
    assert authenticate_api_key(raw) is None
    agent = as_member(acme.agent)
    assert agent.get("/inbox/settings/api-keys/").status_code == 403
    assert agent.post("/inbox/settings/api-keys/", {"name": "x"}, **JSON).status_code == 403
    assert ApiKey.objects.filter(business=acme.business).count() == 2


@pytest.mark.django_db(transaction=True)
def test_webhooks_register_test_event_log_replay_and_delete(acme, globex, settings):
    from pingback.tasks import wait_for_local_tasks

    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    receiver = Receiver().start()
    try:
        owner = as_member(acme.admin)
        bad = owner.post("/inbox/settings/webhooks/", {"url": "ftp://x", "events": "*"}, **JSON)
        assert bad.status_code == 400
        bad = owner.post(
            "/inbox/settings/webhooks/", {"url": receiver.url, "events": "nope"}, **JSON
        )
        assert bad.status_code == 400 and "Unknown event" in bad.json()["message"]
        page = owner.post(
            "/inbox/settings/webhooks/",
            {
                "url": receiver.url,
                "events": "message.created session.created",
                "description": "CRM",
            },
        )
        endpoint = WebhookEndpoint.objects.get(business=acme.business)
        assert (
            page.context["secret"] == endpoint.secret and endpoint.secret in page.content.decode()
        )
        assert endpoint.events == ["message.created", "session.created"]
        url = f"/inbox/settings/webhooks/{endpoint.pk}/"
        assert endpoint.secret not in owner.get(url).content.decode()
        assert owner.post(url + "test/").status_code == 302
        receiver.wait_for(lambda r: len(r) >= 1)
        wait_for_local_tasks()
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        assert delivery.status == "succeeded"
        log = owner.get(url).content.decode()
        assert "webhook.test" in log and "HTTP 200" in log
        assert owner.post(f"{url}deliveries/{delivery.pk}/replay/").status_code == 302
        receiver.wait_for(lambda r: len(r) >= 2)
        wait_for_local_tasks()
        assert WebhookDelivery.objects.get(pk=delivery.pk).attempts.count() == 2
        # Edit: disabled webhooks get no test event (409, says why).
        assert (
            owner.post(url, {"url": receiver.url, "events": "*", "description": ""}).status_code
            == 302
        )
        endpoint.refresh_from_db()
        assert endpoint.enabled is False and endpoint.events == ["*"]
        refused = owner.post(url + "test/", **JSON)
        assert refused.status_code == 409
        # Other businesses: their webhook is a 404 everywhere.
        theirs, _ = webhook_actions.create_endpoint(globex.business, url=receiver.url, events=["*"])
        for path in ["", "test/", "delete/", f"deliveries/{delivery.pk}/replay/"]:
            response = owner.post(f"/inbox/settings/webhooks/{theirs.pk}/{path}")
            assert response.status_code == 404, path
        assert owner.get(f"/inbox/settings/webhooks/{theirs.pk}/").status_code == 404
        assert as_member(acme.agent).get(url).status_code == 403
        assert owner.post(url + "delete/").status_code == 302
        assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
        assert WebhookEndpoint.objects.filter(pk=theirs.pk).exists()
    finally:
        receiver.stop()


@pytest.mark.django_db
def test_ai_settings_page_and_knowledge_base(acme, globex):
    from ai.models import KnowledgeArticle

    owner = as_member(acme.owner)
    assert owner.get("/inbox/settings/ai/").status_code == 200
    form = {
        "enabled": "on",
        "provider": "knowledge_base",
        "confidence_threshold": "0.7",
        "max_replies": "3",
        "handoff_keywords": "human, manager",
        "handoff_message": "A person will take over.",
    }
    assert owner.post("/inbox/settings/ai/", form).status_code == 302
    acme.business.refresh_from_db()
    assert acme.business.ai_auto_reply_enabled
    page = owner.get("/inbox/settings/ai/").content.decode()
    assert "A person will take over." in page and "human, manager" in page
    for bad in [{"confidence_threshold": "lots"}, {"max_replies": "-1"}, {"provider": "x"}]:
        response = owner.post("/inbox/settings/ai/", {**form, **bad}, **JSON)
        assert response.status_code == 400, bad
    add = {"question": "Do you ship abroad?", "answer": "Yes, everywhere.", "keywords": "ship"}
    assert owner.post("/inbox/settings/ai/articles/", add).status_code == 302
    article = KnowledgeArticle.objects.get(business=acme.business)
    assert owner.post("/inbox/settings/ai/articles/", {"question": ""}, **JSON).status_code == 400
    assert owner.post(f"/inbox/settings/ai/articles/{article.pk}/toggle/").status_code == 302
    article.refresh_from_db()
    assert not article.enabled
    theirs = KnowledgeArticle.objects.create(business=globex.business, question="Q", answer="A")
    assert owner.post(f"/inbox/settings/ai/articles/{theirs.pk}/delete/").status_code == 404
    assert as_member(acme.agent).get("/inbox/settings/ai/").status_code == 403
    assert owner.post(f"/inbox/settings/ai/articles/{article.pk}/delete/").status_code == 302
    assert list(KnowledgeArticle.objects.all()) == [theirs]
