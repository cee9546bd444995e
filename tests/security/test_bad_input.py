"""Bad input is a documented 4xx, never a 500 (issue 21, item 7).

Runs on SQLite by default and on PostgreSQL in CI (DATABASE_URL): NUL characters are refused
by validation before PostgreSQL's text and jsonb types would reject them with an error.
"""

import base64
import json

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import assert_error, client_for

BIG = 2_700_000  # over Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)


@pytest.fixture(autouse=True)
def _no_limits(settings):
    settings.API_ANON_RATE_PER_MINUTE = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def raw_post(client, path, body: bytes):
    return client.generic("POST", path, body, content_type="application/json")


def test_a_body_over_the_limit_is_a_413_even_unauthenticated(acme):
    body = json.dumps({"email": "x" * BIG, "password": "p"}).encode()
    r = raw_post(APIClient(), "/api/v1/auth/token/", body)
    assert_error(r, 413, "PAYLOAD_TOO_LARGE")
    r = raw_post(client_for(acme), "/api/v1/conversations/", body)
    assert_error(r, 413, "PAYLOAD_TOO_LARGE")


def test_deeply_nested_json_is_malformed_json(acme):
    deep = b"[" * 5000 + b"]" * 5000
    r = raw_post(client_for(acme), "/api/v1/conversations/", deep)
    assert_error(r, 400, "MALFORMED_JSON")
    r = raw_post(APIClient(), "/api/v1/auth/token/", b'{"email": ' + deep + b"}")
    assert_error(r, 400, "MALFORMED_JSON")
    # Brackets inside strings are text, not nesting.
    body = {"customer_id": acme.customer.pk, "metadata": {"note": '[{"\\' * 300}}
    r = client_for(acme).post("/api/v1/conversations/", body, format="json")
    assert r.status_code == 201, r.content


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


CRAFTED = [
    _cursor(["2020-13-45T99:99:99", 1]),
    _cursor(["2020-01-01T00:00:00", 10**18]),
    _cursor(["2020-01-01T00:00:00+99:00", 1]),
    _cursor([10**18]),
    _cursor(["²"]),
    "²",
    "123456789012345678",
    "%%%",
    _cursor([1.5]),
]


@pytest.mark.parametrize("cursor", CRAFTED)
def test_crafted_cursors_are_refused(acme, cursor):
    api = client_for(acme)
    conv = acme.start("hi")
    for path in (
        "/api/v1/conversations/",
        "/api/v1/sessions",
        "/api/v1/customers/",
        f"/api/v1/conversations/{conv.pk}/messages/",
        f"/api/v1/sessions/{conv.pk}/messages",
    ):
        r = api.get(path, {"cursor": cursor})
        assert r.status_code == 400, (path, r.content)
        assert r.json()["code"] in {"INVALID_CURSOR", "VALIDATION_ERROR"}


@pytest.mark.parametrize("before", ["²", "123456789012345678901", "-1", "1.5", "9" * 40])
def test_webhook_deliveries_before_is_checked(acme, before, settings):
    from webhooks import actions

    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    endpoint, _ = actions.create_endpoint(acme.business, url="http://127.0.0.1:9/h", events=["*"])
    r = client_for(acme).get(f"/api/v1/webhooks/{endpoint.pk}/deliveries", {"before": before})
    assert_error(r, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize("cursor", CRAFTED)
def test_inbox_cursor_and_after_are_checked(client, acme, cursor):
    from tests.conftest import PASSWORD

    assert client.login(username=acme.agent.user.email, password=PASSWORD)
    conv = acme.start("hi")
    r = client.get("/inbox/", {"cursor": cursor})
    assert r.status_code in (200, 400), r.status_code
    for after in (cursor, "²", "9" * 19, "123456789012345678"):
        r = client.get(f"/inbox/c/{conv.pk}/messages/", {"after": after})
        assert r.status_code in (200, 400), (after, r.status_code)


NUL = "bad\u0000value"


def test_nul_characters_are_refused_everywhere(acme, settings):
    api = client_for(acme)
    conv = acme.start("hi")
    # Metadata (conversation creation, customer update, session identify).
    r = api.post(
        "/api/v1/conversations/",
        {"customer_id": acme.customer.pk, "metadata": {"k": NUL}},
        format="json",
    )
    assert_error(r, 400, "VALIDATION_ERROR")
    r = api.post(
        "/api/v1/conversations/",
        {"customer_id": acme.customer.pk, "metadata": {NUL: 1}},
        format="json",
    )
    assert_error(r, 400, "VALIDATION_ERROR")
    r = api.patch(
        f"/api/v1/customers/{acme.customer.pk}", {"metadata": {"a": [NUL]}}, format="json"
    )
    assert_error(r, 400, "VALIDATION_ERROR")
    r = api.post(f"/api/v1/sessions/{conv.pk}/identify", {"metadata": {"a": NUL}}, format="json")
    assert_error(r, 400, "VALIDATION_ERROR")
    # Knowledge base text and search.
    r = api.post(
        "/api/v1/knowledge-base/articles/", {"question": NUL, "answer": "a"}, format="json"
    )
    assert_error(r, 400, "VALIDATION_ERROR")
    r = api.post(
        "/api/v1/knowledge-base/articles/",
        {"question": "q", "answer": "a", "keywords": [NUL]},
        format="json",
    )
    assert_error(r, 400, "VALIDATION_ERROR")
    r = api.get("/api/v1/knowledge-base/articles/", {"q": NUL})
    assert_error(r, 400, "VALIDATION_ERROR")
    # Webhook description.
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    r = api.post(
        "/api/v1/webhooks",
        {"url": "http://127.0.0.1:9/h", "events": ["*"], "description": NUL},
        format="json",
    )
    assert_error(r, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/a\r\nX-Injected: 1",
        "http://93.184.216.34/a\nb",
        "http://93.184.216.34/a b",
        "http://93.184.216.34/\u0000",
        "http://93.184.216.34/a\tb",
        " http://93.184.216.34/a",
        "http://exa mple.com/",
        "http://ex_ample..com/",
        "http:///nohost",
        "http://93.184.216.34:99999/",
    ],
)
def test_webhook_urls_with_control_characters_or_invalid_are_refused(acme, url):
    r = client_for(acme).post("/api/v1/webhooks", {"url": url, "events": ["*"]}, format="json")
    assert r.status_code == 400, r.content
    assert r.json()["code"] in {"WEBHOOK_URL_REFUSED", "VALIDATION_ERROR"}
