"""/metrics: access control, and counters that match a short real load on two processes.

Two web processes share one PROMETHEUS_MULTIPROC_DIR (as the systemd units in deploy/ do):
a scrape of either one reports the requests, sockets and webhook attempts of both, and the
open sockets of a killed process drop out.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
import pytest
import socketio
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from pingback import metrics
from tests.conftest import PASSWORD
from tests.live import AsgiServer, free_port
from tests.realtime_topics.helpers import run, token_for
from tests.realtime_topics.wire import Wire
from tests.webhooks.receiver import Receiver, Reply

TOKEN = "metrics-token-for-tests-0123456789"


def samples(text: str) -> dict[tuple, float]:
    """``{(sample name, sorted labels): value}`` of an exposition."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(scraped: dict, name: str, **labels) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


# --- the endpoint itself (in process) ----------------------------------------------------------


@pytest.mark.django_db
def test_metrics_are_disabled_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", "Bearer", TOKEN])
def test_metrics_want_the_bearer_token(client, settings, header):
    settings.METRICS_TOKEN = TOKEN
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    r = client.get("/metrics", **extra)
    assert r.status_code == 401
    assert r["WWW-Authenticate"].startswith("Bearer")
    assert b"pingback_" not in r.content


@pytest.mark.django_db
def test_a_scrape_in_one_process_reports_what_it_counted(client, settings):
    settings.METRICS_TOKEN = TOKEN
    auth = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
    before = samples(client.get("/metrics", **auth).content.decode())
    metrics.message_stored()
    metrics.message_stored(2)
    metrics.event_dispatched("message.created", 0.02)
    metrics.event_dispatched("message.created", None)
    metrics.webhook_attempt("failed")
    inbox = client.get("/inbox/login/")  # a fresh install (no user) redirects to the setup page
    r = client.get("/metrics", **auth)
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/plain")
    after = samples(r.content.decode())

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("pingback_messages_stored_total") == 3
    assert grew("pingback_events_dispatched_total", type="message.created") == 2
    assert grew("pingback_event_dispatch_lag_seconds_count") == 1
    assert grew("pingback_event_dispatch_lag_seconds_bucket", le="0.025") == 1
    assert grew("pingback_delivery_attempts_total", channel="webhook", outcome="failed") == 1
    inbox_status = f"{inbox.status_code // 100}xx"
    assert (
        grew("pingback_http_request_duration_seconds_count", surface="inbox", status=inbox_status)
        == 1
    )
    assert (
        grew("pingback_http_request_duration_seconds_count", surface="metrics", status="2xx") == 1
    )
    assert value(after, "pingback_outbox_backlog") == 0
    # Without a Redis broker there is no queue to measure.
    assert not any(name == "pingback_celery_queue_depth" for name, _ in after)


def test_surfaces():
    assert metrics.surface("/api/v1/conversations") == "api"
    assert metrics.surface("/api/") == "api"
    assert metrics.surface("/inbox/c/3/") == "inbox"
    assert metrics.surface("/widget/demo/") == "widget"
    assert metrics.surface("/static/widget/widget.js") == "widget"
    assert metrics.surface("/admin/login/") == "admin"
    assert metrics.surface("/healthz") == "other"


# --- a short real load on two processes sharing the multiprocess directory ----------------------


@pytest.fixture
def receivers():
    ok = Receiver(Reply(200)).start()
    failing = Receiver(Reply(500, body=b"no")).start()
    yield ok, failing
    ok.stop()
    failing.stop()


async def until(predicate, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while not (result := await predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
    return result


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(180)
async def test_counters_match_a_short_load_across_two_processes(acme, globex, receivers, tmp_path):
    ok, failing = receivers
    env = {
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "WEBHOOKS_ALLOW_PRIVATE_URLS": "true",
        "WEBHOOKS_MAX_ATTEMPTS": "1",  # one attempt each: the counts are exact
        "API_ANON_RATE_PER_MINUTE": "0",
        # In-process tasks: webhook attempts run inside the servers, even where CI sets Redis.
        "REDIS_URL": None,
        "CELERY_BROKER_URL": None,
    }
    a = AsgiServer(**env).start(timeout=60)
    b = AsgiServer(**env).start(timeout=60)
    opened: list = []
    try:
        await _drive(a, b, acme, globex, ok, failing, opened)
    finally:
        for thing in opened:
            await thing()
        a.stop()
        b.stop()


async def _drive(a, b, acme, globex, ok, failing, opened):
    api_key = {"Authorization": f"Bearer {acme.raw_api_key}"}
    scrape_auth = {"Authorization": f"Bearer {TOKEN}"}
    biz = acme.business.public_id

    async def scrape(server=a) -> dict:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            r = await http.get("/metrics", headers=scrape_auth)
        assert r.status_code == 200, r.text
        return samples(r.text)

    def requests(scraped, surface, status="2xx"):
        return value(
            scraped, "pingback_http_request_duration_seconds_count", surface=surface, status=status
        )

    def sockets(scraped, kind):
        return value(scraped, "pingback_sockets_connected", kind=kind)

    # HTTP on both processes: api 2xx and 4xx, inbox, widget and admin pages.
    api_ok = api_4xx = 0
    async with (
        httpx.AsyncClient(base_url=a.url, timeout=30) as ha,
        httpx.AsyncClient(base_url=b.url, timeout=30) as hb,
    ):
        for http, n in ((ha, 4), (hb, 3)):
            for _ in range(n):
                r = await http.get("/api/v1/conversations", headers=api_key)
                assert r.status_code == 200
                api_ok += 1
        r = await hb.get("/api/v1/conversations", headers={"Authorization": "Bearer pbk_nope"})
        assert r.status_code == 401
        api_4xx += 1
        for url in (f"{ok.url}", f"{failing.url}", f"http://127.0.0.1:{free_port()}/dead"):
            r = await ha.post(
                "/api/v1/webhooks",
                headers=api_key,
                json={"url": url, "events": ["message.created"]},
            )
            assert r.status_code == 201, r.text
            api_ok += 1
        r = await hb.post(
            "/api/v1/auth/token", json={"email": acme.owner.user.email, "password": PASSWORD}
        )
        assert r.status_code == 200, r.text
        api_ok += 1
        jwt = r.json()["access"]
        assert (await ha.get("/inbox/login/")).status_code == 200
        assert (await hb.get("/inbox/login/")).status_code == 200
        assert (
            await ha.get("/widget/availability/", params={"business_id": biz})
        ).status_code == 200
        assert (await hb.get("/admin/login/")).status_code == 200

    # Sockets of every kind, on both processes.
    async def widget(server, auth):
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(server.url, auth=auth, transports=["websocket"], wait_timeout=30)
        opened.append(client.disconnect)
        return client

    customer_a1 = await widget(a, {"business_id": biz})
    await widget(a, {"business_id": biz})
    customer_b = await widget(b, {"business_id": biz})
    await widget(b, {"business_id": biz, "token": jwt})
    topics = await Wire.open(a, f"/api/?token={token_for(acme.agent)}")
    opened.append(topics.close)
    stream = await Wire.open(b, "/ws")
    opened.append(stream.close)
    await stream.send({"type": "auth", "apiKey": acme.raw_api_key})
    assert (await stream.recv())["type"] == "auth.ok"

    expected_sockets = {"widget_customer": 3, "widget_agent": 1, "topics": 1, "event_stream": 1}
    scraped = await until(
        lambda: _when(
            scrape(b), lambda s: all(sockets(s, k) == n for k, n in expected_sockets.items())
        ),
        "every socket to be counted",
    )

    # One customer message: three webhook attempts (succeeded, failed, error).
    ack = await customer_a1.call(
        "client_message",
        {
            "content": "Hello metrics",
            "client_id": "m-1",
            "customer_data": {"name": "Mia", "email": "mia@example.com"},
        },
        timeout=30,
    )
    assert ack["ok"], ack
    ok.wait_for(lambda got: len(got) == 1)
    failing.wait_for(lambda got: len(got) == 1)

    def attempts(s, outcome):
        return value(s, "pingback_delivery_attempts_total", channel="webhook", outcome=outcome)

    scraped = await until(
        lambda: _when(scrape(b), lambda s: attempts(s, "error") == 1),
        "the attempt to the dead port to be counted",
    )
    assert attempts(scraped, "succeeded") == 1
    assert attempts(scraped, "failed") == 1
    assert value(scraped, "pingback_outbox_backlog") == 0
    assert requests(scraped, "api") == api_ok
    assert requests(scraped, "api", "4xx") == api_4xx
    assert requests(scraped, "inbox") == 2
    assert requests(scraped, "widget") == 1
    assert requests(scraped, "admin") == 1

    # Messages and events over REST on the other process (another business: none of Acme's
    # webhooks fire): a conversation and three replies (an agent may not open a widget
    # conversation with a message to a customer who never used the widget: issue 14).
    g_key = {"Authorization": f"Bearer {globex.raw_api_key}"}
    async with httpx.AsyncClient(base_url=b.url, timeout=30) as hb:
        r = await hb.post(
            "/api/v1/conversations",
            headers=g_key,
            json={"customer_id": globex.customer.pk, "channel_type": "webchat"},
        )
        assert r.status_code == 201, r.text
        conv_id = r.json()["id"]
        for i in range(3):
            r = await hb.post(
                f"/api/v1/conversations/{conv_id}/messages",
                headers=g_key,
                json={"content": f"reply {i}", "agent_id": globex.agent.pk},
            )
            assert r.status_code == 201, r.text
    api_ok += 4

    def events(s, type=None) -> float:
        return sum(
            v
            for (name, labels), v in s.items()
            if name == "pingback_events_dispatched_total"
            and (type is None or dict(labels)["type"] == type)
        )

    lag_count = "pingback_event_dispatch_lag_seconds_count"
    scraped = await until(
        lambda: _when(
            scrape(a),
            lambda s: events(s) > 0 and value(s, lag_count) == events(s),
        ),
        "every dispatched event's lag to be observed",
    )
    assert value(scraped, "pingback_messages_stored_total") == 4  # 1 by socket, 3 over REST
    assert events(scraped, "message.created") == 4
    assert events(scraped, "conversation.created") == 2
    assert value(scraped, "pingback_event_dispatch_lag_seconds_bucket", le="+Inf") == events(
        scraped
    )
    assert value(scraped, "pingback_event_dispatch_lag_seconds_sum") < 5 * events(scraped)

    # The backlog is read from the database at scrape: a delivery due tomorrow is waiting.
    from webhooks.models import WebhookDelivery

    await run(
        lambda: WebhookDelivery.objects.update(
            status=WebhookDelivery.Status.PENDING,
            next_attempt_at=timezone.now() + timedelta(days=1),
        )
    )
    assert value(await scrape(a), "pingback_outbox_backlog") == 3

    # A customer leaves; then the process holding another customer is killed outright.
    await customer_b.disconnect()
    await until(
        lambda: _when(scrape(a), lambda s: sockets(s, "widget_customer") == 2),
        "the disconnect to be counted",
    )
    b.kill()
    scraped = await until(
        lambda: _when(scrape(a), lambda s: sockets(s, "widget_agent") == 0),
        "the killed process's sockets to drop out",
    )
    assert sockets(scraped, "widget_customer") == 2  # both on the live process
    assert sockets(scraped, "topics") == 1
    assert sockets(scraped, "event_stream") == 0
    assert requests(scraped, "api") == api_ok  # a dead process's counts are kept
    await topics.close()
    await until(lambda: _when(scrape(a), lambda s: sockets(s, "topics") == 0), "the topics close")


async def _when(scraping, condition):
    scraped = await scraping
    return scraped if condition(scraped) else None
