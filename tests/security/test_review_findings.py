"""Security review: tenant isolation and authorization regressions (one test per finding)."""

import asyncio
import time
import uuid

import pytest
from rest_framework.test import APIClient

from conversations import actions
from conversations.actions import Actor
from conversations.api import throttling
from tests.api.conftest import assert_error, assign, client_for
from tests.live import AsgiServer
from tests.realtime_sio.conftest import (  # the Socket.IO server fixtures
    Peer,
    customer_data,
    jwt_for,
    orm,
    peers,  # noqa: F401
    sio_server,  # noqa: F401
)
from tests.realtime_topics.helpers import Client, published, run, token_for
from tests.services import REDIS_URL, require_redis

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def frozen_window(monkeypatch):
    now = time.time()
    fixed = now - now % 60 + 30
    monkeypatch.setattr(throttling, "clock", lambda: fixed)
    return fixed


def test_plain_agent_cannot_read_another_agents_conversation_by_replaying_a_client_id(acme):
    conv = acme.start("first question", opening_client_id="c-1")
    assign(acme, conv, acme.other_agent)
    actions.do_post_message(conv, sender_type="customer", content="secret follow-up")
    r = client_for(acme, "agent").post(
        "/api/v1/conversations/",
        {"customer_id": acme.customer.pk, "client_id": "c-1", "message": "hi"},
    )
    assert_error(r, 404, "CONVERSATION_NOT_FOUND")
    assert "secret" not in r.content.decode()
    # Its own replays, and the API key's, still answer with the stored conversation.
    mine = acme.start("mine", opening_client_id="c-2")
    assign(acme, mine, acme.agent)
    for who in ("agent", "key"):
        again = client_for(acme, who).post(
            "/api/v1/conversations/",
            {
                "customer_id": acme.customer.pk,
                "client_id": "c-2",
                "message": "hi",
                "agent_id": acme.agent.pk,
            },
        )
        assert again.status_code == 200 and again.json()["id"] == mine.pk


@pytest.mark.parametrize(
    "path", ["/api/v1/webhooks", "/api/v1/knowledge-base/articles/", "/api/v1/conversations/"]
)
def test_refused_credentials_are_rate_limited_per_ip_on_every_endpoint(
    db, settings, frozen_window, path
):
    settings.API_ANON_RATE_PER_MINUTE = 2
    ip = f"10.77.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    bad = APIClient(REMOTE_ADDR=ip)
    bad.credentials(HTTP_AUTHORIZATION="Bearer pbk_guess")
    codes = [bad.get(path).status_code for _ in range(3)]
    assert codes == [401, 401, 429], codes


def test_x_forwarded_for_is_ignored_without_trusted_proxies(db, settings, frozen_window):
    settings.API_ANON_RATE_PER_MINUTE = 2
    ip = f"10.78.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    codes = []
    for i in range(3):
        client = APIClient(REMOTE_ADDR=ip, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
        codes.append(client.get("/api/v1/me").status_code)
    assert codes == [401, 401, 429], codes


# --- Socket.IO: a socket's agent is checked again on every event -----------------------------


def _remove_member(agent):
    actions.remove_agent(agent)


@pytest.mark.django_db(transaction=True)
async def test_agent_removed_from_the_business_cannot_use_an_open_socket(peers, acme):  # noqa: F811
    conv = await orm(acme.start)("hello", assignee=acme.owner)
    admin = await peers.connect(
        {"business_id": acme.business.public_id, "token": jwt_for(acme.admin)}
    )
    assert (await admin.call("join_conversation", {"conversation_id": conv.pk}))["ok"]
    await orm(_remove_member)(acme.admin)
    ack = await admin.call("join_conversation", {"conversation_id": conv.pk, "last_message_id": 0})
    assert ack["ok"] is False and ack["error"]["code"] == "AGENT_REMOVED", ack
    # The refused socket has left every room at once and is then disconnected.
    owner = await peers.connect(
        {"business_id": acme.business.public_id, "token": jwt_for(acme.owner)}
    )
    sent = await owner.call("agent_message", {"conversation_id": conv.pk, "content": "after"})
    assert sent["ok"], sent
    for _ in range(100):
        if not admin.client.connected:
            break
        await asyncio.sleep(0.02)
    assert not admin.client.connected
    assert admin.pending("new_message") == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "event,payload",
    [
        ("agent_message", {"content": "still here"}),
        ("typing", {"is_typing": True}),
        ("message_read", {}),
        ("assign_conversation", {"agent_id": None}),
        ("agent_status", {"status": "online"}),
    ],
)
async def test_every_agent_event_rechecks_the_membership(peers, acme, event, payload):  # noqa: F811
    conv = await orm(acme.start)("hello", assignee=acme.owner)
    admin = await peers.connect(
        {"business_id": acme.business.public_id, "token": jwt_for(acme.admin)}
    )
    await orm(_remove_member)(acme.admin)
    ack = await admin.call(event, {"conversation_id": conv.pk, **payload})
    assert ack["ok"] is False and ack["error"]["code"] == "AGENT_REMOVED", ack
    assert await orm(conv.messages.count)() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
async def test_silent_socket_of_a_removed_member_stops_receiving_events(acme, settings):
    """The removal is committed here, in another process than the socket's server: it reaches
    the server through Redis as a control message, and the idle socket leaves its rooms."""
    require_redis()
    settings.REDIS_URL = REDIS_URL  # this process publishes into the servers' Redis
    b = acme.business.public_id
    conv = await orm(acme.start)("hello", assignee=acme.owner)
    with AsgiServer(REDIS_URL=REDIS_URL) as server:
        admin = await Peer(server.url).connect({"business_id": b, "token": jwt_for(acme.admin)})
        owner = await Peer(server.url).connect({"business_id": b, "token": jwt_for(acme.owner)})
        try:
            assert (await admin.call("join_conversation", {"conversation_id": conv.pk}))["ok"]
            await orm(_remove_member)(acme.admin)
            told = await admin.next("error")
            assert told["code"] == "AGENT_REMOVED"
            sent = await owner.call("agent_message", {"conversation_id": conv.pk, "content": "x"})
            assert sent["ok"]
            assert (await owner.next("new_message"))["content"] == "x"
            assert admin.pending("new_message") == []
        finally:
            await admin.close()
            await owner.close()


@pytest.mark.django_db(transaction=True)
async def test_deactivated_user_cannot_use_an_open_agent_socket(peers, acme):  # noqa: F811
    conv = await orm(acme.start)("hello")
    alice = await peers.connect(
        {"business_id": acme.business.public_id, "token": jwt_for(acme.agent)}
    )
    user = acme.agent.user
    user.is_active = False
    await orm(user.save)()
    ack = await alice.call("join_conversation", {"conversation_id": conv.pk, "last_message_id": 0})
    assert ack["ok"] is False and ack["error"]["code"] == "AGENT_REMOVED", ack
    assert alice.pending("new_message") == []


@pytest.mark.django_db(transaction=True)
async def test_demoted_admin_socket_follows_the_plain_agent_rule(peers, acme):  # noqa: F811
    b = acme.business.public_id
    theirs = await orm(acme.start)("for arthur", assignee=acme.other_agent)
    widget = await peers.connect({"business_id": b})
    started = await widget.call(
        "client_message", {"content": "for anyone", "customer_data": customer_data()}
    )
    open_id = started["conversation_id"]
    admin = await peers.connect({"business_id": b, "token": jwt_for(acme.admin)})
    for conv_id in (theirs.pk, open_id):
        assert (await admin.call("join_conversation", {"conversation_id": conv_id}))["ok"]
    await orm(actions.add_agent)(acme.business, acme.admin.user, "agent")
    ack = await admin.call("join_conversation", {"conversation_id": theirs.pk})
    assert ack["ok"] is False and ack["error"]["code"] == "CONVERSATION_NOT_FOUND", ack
    # Moved to the plain-agent rooms: Arthur's conversation is silent, the unassigned one not.
    owner = await peers.connect({"business_id": b, "token": jwt_for(acme.owner)})
    assert (await owner.call("agent_message", {"conversation_id": theirs.pk, "content": "x"}))["ok"]
    sent = await widget.call("client_message", {"conversation_id": open_id, "content": "y"})
    assert sent["ok"], sent
    assert (await admin.next("new_message"))["conversation_id"] == open_id
    assert (await admin.call("typing", {"conversation_id": open_id, "is_typing": False}))["ok"]
    assert admin.pending("new_message") == []


# --- Topics API and /ws: long-lived connections follow membership and key changes ---------


async def _nothing_more(client) -> bool:
    # receive_nothing, unlike a timed-out receive_from, leaves the application running.
    return await client.ws.receive_nothing(timeout=0.5)


@pytest.mark.django_db(transaction=True)
async def test_topics_member_removed_from_the_business_stops_receiving_pushes(acme):
    b = acme.business.public_id
    client = await Client.topics(token_for(acme.admin))
    published(await client.subscribe(f"/{b}/requests"), f"/{b}/requests", "CREATE")
    await run(_remove_member, acme.admin)
    # Told at once, then closed: nothing of the business comes after.
    frame = await client.recv()
    assert frame["action"] == "error" and frame["payload"]["code"] == "NOT_AN_AGENT", frame
    assert await client.closed_with() == 4003
    await client.close()


@pytest.mark.django_db(transaction=True)
async def test_topics_demoted_admin_stops_receiving_other_agents_requests(acme):
    b = acme.business.public_id
    theirs = await run(acme.start, "for arthur", assignee=acme.other_agent)
    client = await Client.topics(token_for(acme.admin))
    published(await client.subscribe(f"/{b}/requests"), f"/{b}/requests", "CREATE")
    await run(actions.add_agent, acme.business, acme.admin.user, "agent")
    await run(actions.do_set_pending, theirs, actor=Actor.of_agent(acme.other_agent))
    try:
        assert await _nothing_more(client)
    finally:
        await client.close()


@pytest.mark.django_db(transaction=True)
async def test_event_stream_of_a_revoked_api_key_stops(acme):
    client = await Client.stream()
    await client.send({"type": "auth", "apiKey": acme.raw_api_key})
    assert (await client.recv())["type"] == "auth.ok"
    await run(actions.revoke_api_key, acme.api_key)
    frame = await client.recv()
    assert frame["type"] == "error" and frame["code"] == "API_KEY_REVOKED", frame
    assert await client.closed_with() == 4001
    await client.close()


# --- Widget: a first-message retry needs the visitor's private key --------------------------


@pytest.mark.django_db(transaction=True)
async def test_plain_agent_cannot_become_the_customer_by_replaying_the_first_message(peers, acme):  # noqa: F811
    b = acme.business.public_id
    widget = await peers.connect({"business_id": b})
    first = await widget.call(
        "client_message",
        {
            "content": "my card was charged twice",
            "client_id": "uuid-1",
            "customer_data": customer_data(),
        },
    )
    conv_id = first["conversation_id"]
    # Alice (a plain agent) could read the unassigned conversation, client_id included...
    # (issuing a token writes its blacklist row: no ORM from the event loop)
    alice = await orm(client_for)(acme, "agent")
    listed = await orm(alice.get)(f"/api/v1/conversations/{conv_id}/messages/")
    client_id = listed.json()["results"][0]["client_id"]
    # ...the conversation then goes to Arthur, out of Alice's sight.
    await orm(assign)(
        acme, await orm(acme.business.conversations.get)(pk=conv_id), acme.other_agent
    )
    intruder = await peers.connect({"business_id": b})
    replay = await intruder.call(
        "client_message",
        {"content": "x", "client_id": client_id, "customer_data": customer_data()},
    )
    assert "session_token" not in replay or replay["conversation_id"] != conv_id


# --- Webhooks SSRF: numeric host spellings, mixed DNS answers, rebinding ---------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/hook",  # 127.0.0.1 as one decimal number
        "http://0x7f000001/hook",  # hexadecimal
        "http://0177.0.0.1/hook",  # octal
        "http://127.1/hook",  # short form
        "http://[::ffff:7f00:1]/hook",  # IPv4-mapped, hex spelling
        "http://[::ffff:169.254.169.254]/hook",
    ],
)
def test_numeric_spellings_of_private_addresses_are_refused(settings, url):
    from webhooks import ssrf

    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ssrf.UnsafeURL):
        ssrf.resolve(url)


def _answers(*addresses):
    import socket

    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    return getaddrinfo


def test_a_host_with_any_private_address_is_refused(settings, monkeypatch):
    from webhooks import ssrf

    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    monkeypatch.setattr(ssrf.socket, "getaddrinfo", _answers("93.184.216.34", "127.0.0.1"))
    with pytest.raises(ssrf.UnsafeURL):
        ssrf.resolve("https://hooks.example.com/x")


def test_delivery_connects_to_the_address_it_checked_not_a_rebound_one(acme, settings, monkeypatch):
    from webhooks import ssrf, transport
    from webhooks.models import WebhookDelivery, WebhookEndpoint

    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    answers = iter([_answers("93.184.216.34"), _answers("127.0.0.1")])
    monkeypatch.setattr(
        ssrf.socket, "getaddrinfo", lambda *a, **k: next(answers)(*a, **k), raising=True
    )
    connected = []

    def fake_request(method, target, address, headers, body, deadline, read_limit):
        connected.append((address, headers["Host"]))
        return transport.Outcome(status_code=200)

    monkeypatch.setattr(transport, "_request", fake_request)
    endpoint = WebhookEndpoint(business=acme.business, url="http://hooks.example.com/x")
    outcome = transport.send(endpoint, WebhookDelivery(webhook_id="evt_1", body="{}"))
    assert outcome.success
    assert connected == [("93.184.216.34", "hooks.example.com")]


# --- Inbox: login redirect stays on this site --------------------------------------------------


@pytest.mark.parametrize(
    "target", ["https://evil.test/", "//evil.test/", "/\\evil.test/", "javascript:alert(1)"]
)
def test_login_next_never_leaves_the_site(client, acme, target):
    from tests.conftest import PASSWORD

    response = client.post(
        f"/inbox/login/?next={target}",
        {"username": acme.agent.user.username, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == "/inbox/"
