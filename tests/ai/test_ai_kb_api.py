"""REST: /api/v1/knowledge-base/articles/ with roles and tenant isolation."""

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from ai.models import KnowledgeArticle

URL = "/api/v1/knowledge-base/articles/"


def client_for(tenant, who="key") -> APIClient:
    client = APIClient()
    if who == "key":
        token = tenant.raw_api_key
    else:
        token = str(RefreshToken.for_user(getattr(tenant, who).user).access_token)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"error", "message", "code"} and body["code"] == code, body


@pytest.mark.parametrize("who", ["key", "owner", "admin"])
def test_managers_create_read_update_and_delete_articles(acme, who):
    client = client_for(acme, who)
    created = client.post(
        URL,
        {"question": "Do you ship abroad?", "answer": "Yes, worldwide.", "keywords": ["ship"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    article = created.json()
    assert article["question"] == "Do you ship abroad?"
    assert article["keywords"] == ["ship"] and article["enabled"] is True
    detail = f"{URL}{article['id']}/"
    assert client.get(detail).json() == article
    patched = client.patch(
        detail, {"answer": "Yes, to 40 countries.", "enabled": False}, format="json"
    )
    assert patched.status_code == 200
    assert patched.json()["answer"] == "Yes, to 40 countries."
    assert patched.json()["enabled"] is False
    put = client.put(detail, {"question": "Shipping?", "answer": "Worldwide."}, format="json")
    assert put.json()["enabled"] is True and put.json()["keywords"] == []
    assert client.delete(detail).status_code == 204
    assert_error(client.get(detail), 404, "ARTICLE_NOT_FOUND")


def test_agents_read_but_cannot_change_the_knowledge_base(kb):
    client = client_for(kb, "agent")
    listing = client.get(URL)
    assert listing.status_code == 200
    assert listing.json()["count"] == 5
    article_id = listing.json()["results"][0]["id"]
    assert client.get(f"{URL}{article_id}/").status_code == 200
    assert_error(
        client.post(URL, {"question": "q", "answer": "a"}, format="json"), 403, "FORBIDDEN"
    )
    assert_error(
        client.patch(f"{URL}{article_id}/", {"answer": "x"}, format="json"), 403, "FORBIDDEN"
    )
    assert_error(client.delete(f"{URL}{article_id}/"), 403, "FORBIDDEN")
    assert KnowledgeArticle.objects.filter(pk=article_id, business=kb.business).exists()


def test_another_business_cannot_see_or_touch_articles(kb, globex):
    acme_article = kb.business.knowledge_articles.first()
    for who in ("key", "owner", "agent"):
        client = client_for(globex, who)
        detail = f"{URL}{acme_article.pk}/"
        assert_error(client.get(detail), 404, "ARTICLE_NOT_FOUND")
        assert_error(client.get(f"{URL}999999/"), 404, "ARTICLE_NOT_FOUND")
        assert_error(client.get(f"{URL}abc/"), 404, "ARTICLE_NOT_FOUND")
        questions = [a["question"] for a in client.get(URL).json()["results"]]
        assert questions == ["Where is the Globex volcano lair?"]
    owner = client_for(globex, "owner")
    assert_error(
        owner.patch(f"{URL}{acme_article.pk}/", {"answer": "pwned"}, format="json"),
        404,
        "ARTICLE_NOT_FOUND",
    )
    assert_error(owner.delete(f"{URL}{acme_article.pk}/"), 404, "ARTICLE_NOT_FOUND")
    acme_article.refresh_from_db()
    assert acme_article.answer != "pwned"


def test_invalid_articles_are_refused(acme):
    client = client_for(acme)
    assert_error(client.post(URL, {"question": "q"}, format="json"), 400, "VALIDATION_ERROR")
    assert_error(
        client.post(URL, {"question": " ", "answer": "a"}, format="json"), 400, "VALIDATION_ERROR"
    )
    assert_error(
        client.post(URL, {"question": "q", "answer": "a", "enabled": "yes"}, format="json"),
        400,
        "VALIDATION_ERROR",
    )
    assert_error(
        client.post(URL, {"question": "q" * 301, "answer": "a"}, format="json"),
        400,
        "VALIDATION_ERROR",
    )
    assert_error(
        client.post(URL, {"question": "q", "answer": "a", "business": 2}, format="json"),
        400,
        "VALIDATION_ERROR",
    )
    assert_error(client.post(URL, ["q"], format="json"), 400, "VALIDATION_ERROR")
    assert_error(client.post(URL, b"{nope", content_type="application/json"), 400, "MALFORMED_JSON")
    assert not KnowledgeArticle.objects.exists()


def test_unauthenticated_calls_are_refused(acme):
    assert_error(APIClient().get(URL), 401, "UNAUTHORIZED")
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer pbk_wrong")
    assert_error(bad.get(URL), 401, "INVALID_API_KEY")


def test_list_filters_paginates_and_uses_few_queries(kb, django_assert_max_num_queries):
    client = client_for(kb, "owner")
    with django_assert_max_num_queries(8):
        page = client.get(URL, {"limit": 2})
    body = page.json()
    assert body["count"] == 5 and len(body["results"]) == 2 and body["next"]
    assert [a["question"] for a in client.get(URL, {"q": "refund"}).json()["results"]] == [
        "Can I get a refund?"
    ]
    article = kb.business.knowledge_articles.first()
    client.patch(f"{URL}{article.pk}/", {"enabled": False}, format="json")
    assert client.get(URL, {"enabled": "false"}).json()["count"] == 1


def test_admin_lists_searches_and_disables_articles(kb, client):
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.create_superuser("root", "root@example.com", "pw-123456")
    client.force_login(staff)
    page = client.get("/admin/ai/knowledgearticle/", {"q": "refund"})
    assert page.status_code == 200 and "Can I get a refund?" in page.content.decode()
    assert client.get("/admin/ai/aisettings/").status_code == 200
    ids = list(kb.business.knowledge_articles.values_list("pk", flat=True))
    client.post("/admin/ai/knowledgearticle/", {"action": "disable", "_selected_action": ids})
    assert not kb.business.knowledge_articles.filter(enabled=True).exists()
