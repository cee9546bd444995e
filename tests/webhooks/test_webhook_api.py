"""The /api/v1/webhooks REST surface: managers only, secret shown once, tenant isolation."""

import pytest
from rest_framework.test import APIClient

from webhooks import actions
from webhooks.models import WebhookDelivery, WebhookEndpoint

BASE = "/api/v1/webhooks"


def client_for(tenant=None, raw_key=None) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key or tenant.raw_api_key}")
    return client


def jwt_client(agent) -> APIClient:
    from rest_framework_simplejwt.tokens import AccessToken

    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(agent.user)}",
        HTTP_X_PINGBACK_BUSINESS=agent.business.public_id,
    )
    return client


@pytest.fixture
def api(acme):
    return client_for(acme)


def test_create_shows_the_secret_once(acme, api, allow_private, receiver):
    r = api.post(BASE, {"url": receiver.url, "events": ["message.created"]}, format="json")
    assert r.status_code == 201, r.json()
    created = r.json()
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["message.created"] and created["enabled"] is True
    listed = api.get(BASE + "/").json()["webhooks"]
    assert [w["id"] for w in listed] == [created["id"]]
    assert "secret" not in listed[0]
    assert "secret" not in api.get(f"{BASE}/{created['id']}").json()
    # The stored secret is the one shown.
    assert WebhookEndpoint.objects.get(pk=created["id"]).secret == created["secret"]


def test_owner_and_admin_jwts_manage_webhooks_but_agents_are_forbidden(
    acme, allow_private, receiver
):
    body = {"url": receiver.url, "events": ["*"]}
    assert jwt_client(acme.owner).post(BASE, body, format="json").status_code == 201
    assert jwt_client(acme.admin).get(BASE).status_code == 200
    r = jwt_client(acme.agent).get(BASE)
    assert r.status_code == 403 and set(r.json()) >= {"error", "message", "code"}
    assert jwt_client(acme.agent).post(BASE, body, format="json").status_code == 403
    assert APIClient().get(BASE).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/x", "events": ["*"]}, "http or https"),
        ({"url": "https://93.184.216.34/x", "events": ["nope"]}, "Unknown event"),
        ({"url": "https://93.184.216.34/x", "events": []}, "non-empty"),
        ({"url": "not a url", "events": ["*"]}, "url"),
    ],
)
def test_invalid_input_is_a_400_in_the_error_shape(api, body, field):
    r = api.post(BASE, body, format="json")
    assert r.status_code == 400
    assert field in r.json()["message"]
    assert set(r.json()) >= {"error", "message", "code"}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fd00::1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_private_and_metadata_addresses_are_refused_at_registration(api, url):
    r = api.post(BASE, {"url": url, "events": ["*"]}, format="json")
    assert r.status_code == 400, r.json()
    assert r.json()["code"] == "WEBHOOK_URL_REFUSED"


def test_ssrf_classification():
    import ipaddress

    from webhooks.ssrf import forbidden_reason

    assert forbidden_reason(ipaddress.ip_address("93.184.216.34")) is None
    assert forbidden_reason(ipaddress.ip_address("2606:2800:220:1::1")) is None
    for address in [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.0.1",
        "169.254.169.254",
        "100.100.100.200",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fd00:ec2::254",
        "::ffff:10.0.0.1",
        "64:ff9b::a00:1",
        "2002:7f00:1::",
    ]:
        assert forbidden_reason(ipaddress.ip_address(address)), address


def test_update_enable_disable_rotate_delete(api, allow_private, receiver):
    hook = api.post(BASE, {"url": receiver.url, "events": ["*"]}, format="json").json()
    url = f"{BASE}/{hook['id']}"
    r = api.patch(url, {"events": ["session.closed", "session.closed"]}, format="json")
    assert r.status_code == 200 and r.json()["events"] == ["session.closed"]
    r = api.post(url + "/disable")
    assert r.json()["enabled"] is False and r.json()["disabledReason"]
    r = api.post(url + "/enable/")
    assert r.json()["enabled"] is True and r.json()["disabledReason"] is None
    rotated = api.post(url + "/rotate-secret").json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != hook["secret"]
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_test_event_deliveries_attempts_and_replay(
    api, allow_private, receiver, queued, django_capture_on_commit_callbacks
):
    from webhooks import delivery

    hook = api.post(BASE, {"url": receiver.url, "events": ["*"]}, format="json").json()
    url = f"{BASE}/{hook['id']}"
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(url + "/test")
    assert r.status_code == 202
    test = r.json()
    assert test["event"] == "webhook.test" and test["eventId"].startswith("evt_test_")
    assert queued == [test["id"]]
    delivery.deliver(test["id"])
    assert receiver.received[0].headers["webhook-id"] == test["eventId"]

    listed = api.get(url + "/deliveries").json()["deliveries"]
    assert [d["id"] for d in listed] == [test["id"]] and listed[0]["status"] == "succeeded"
    detail = api.get(f"{url}/deliveries/{test['id']}").json()
    assert detail["payload"]["event"] == "webhook.test"
    attempts = api.get(f"{url}/deliveries/{test['id']}/attempts").json()["attempts"]
    assert attempts[0]["statusCode"] == 200 and attempts[0]["durationMs"] >= 0
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post(f"{url}/deliveries/{test['id']}/replay")
    assert r.status_code == 202 and r.json()["status"] == "pending"
    assert queued == [test["id"]] * 2
    assert api.get(url + "/deliveries?status=pending").json()["deliveries"][0]["id"] == test["id"]
    # A delivery in flight cannot be replayed.
    assert api.post(f"{url}/deliveries/{test['id']}/replay").status_code == 409


def test_business_a_cannot_see_change_or_use_business_b_webhooks(
    acme, globex, allow_private, receiver, queued
):
    theirs, _ = actions.create_endpoint(globex.business, url=receiver.url, events=["*"])
    d = actions.send_test_event(theirs)
    api = client_for(acme)
    assert api.get(BASE).json()["webhooks"] == []
    url = f"{BASE}/{theirs.pk}"
    for method, path in [
        ("get", url),
        ("patch", url),
        ("delete", url),
        ("post", url + "/disable"),
        ("post", url + "/rotate-secret"),
        ("post", url + "/test"),
        ("get", url + "/deliveries"),
        ("get", f"{url}/deliveries/{d.pk}"),
        ("get", f"{url}/deliveries/{d.pk}/attempts"),
        ("post", f"{url}/deliveries/{d.pk}/replay"),
    ]:
        r = getattr(api, method)(path, {}, format="json")
        assert r.status_code == 404, (method, path, r.status_code)
        assert r.json()["code"] == "WEBHOOK_NOT_FOUND"
    theirs.refresh_from_db()
    assert theirs.enabled and WebhookEndpoint.objects.filter(pk=theirs.pk).exists()
    # A foreign delivery id under one's own webhook is a 404 as well.
    mine = client_for(acme).post(BASE, {"url": receiver.url, "events": ["*"]}, format="json")
    r = api.get(f"{BASE}/{mine.json()['id']}/deliveries/{d.pk}")
    assert r.status_code == 404 and r.json()["code"] == "WEBHOOK_DELIVERY_NOT_FOUND"


def test_list_endpoints_keep_their_query_count(
    acme, api, allow_private, receiver, queued, django_assert_max_num_queries
):
    for _ in range(5):
        endpoint, _ = actions.create_endpoint(acme.business, url=receiver.url, events=["*"])
        for _ in range(3):
            actions.send_test_event(endpoint)
    with django_assert_max_num_queries(4):
        assert len(api.get(BASE).json()["webhooks"]) == 5
    with django_assert_max_num_queries(5):
        assert len(api.get(f"{BASE}/{endpoint.pk}/deliveries").json()["deliveries"]) == 3
    assert WebhookDelivery.objects.count() == 15


def test_event_catalogue_endpoint(api):
    events = api.get(BASE + "/events").json()["events"]
    assert {"session.created", "message.created", "session.closed"} <= set(events)


def test_admin_shows_endpoints_and_deliveries_with_attempts_inline(
    acme, client, allow_private, receiver, queued
):
    from django.contrib.auth import get_user_model

    from webhooks import delivery

    endpoint, _ = actions.create_endpoint(acme.business, url=receiver.url, events=["*"])
    d = actions.send_test_event(endpoint)
    delivery.deliver(d.pk)
    client.force_login(get_user_model().objects.create_superuser("root", "r@x.test", "pw"))
    for url in [
        "/admin/webhooks/webhookendpoint/",
        f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/",
        "/admin/webhooks/webhookdelivery/",
    ]:
        assert client.get(url).status_code == 200, url
    page = client.get(f"/admin/webhooks/webhookdelivery/{d.pk}/change/")
    assert page.status_code == 200
    assert d.webhook_id in page.content.decode() and "200" in page.content.decode()
    assert (
        endpoint.secret
        not in client.get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/").content.decode()
    )


def test_deliveries_page_with_the_one_cursor_convention_and_the_deprecated_before(
    acme, api, acme_hook, queued
):
    """docs/api.md "Pagination": `limit` + opaque `cursor`, `nextCursor` null on the last page;
    the older `before`/`nextBefore` still work."""
    ids = sorted((actions.send_test_event(acme_hook).pk for _ in range(5)), reverse=True)
    url = f"/api/v1/webhooks/{acme_hook.pk}/deliveries/"
    seen, cursor = [], None
    while True:
        page = api.get(url, {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [d["id"] for d in page["deliveries"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == ids
    old = api.get(url, {"limit": 2, "before": ids[1]}).json()
    assert [d["id"] for d in old["deliveries"]] == ids[2:4]
    assert old["nextBefore"] == ids[3]
    bad = api.get(url, {"cursor": "not-a-cursor"})
    assert bad.status_code == 400 and bad.json()["code"] == "INVALID_CURSOR"
