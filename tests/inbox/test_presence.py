"""Real presence (conversations/presence.py): connections, idle, manual choices, expiry,
restarts; the same rules on the in-process and the Redis registry; the idle endpoint's input
checks; and two web processes sharing Redis, one of them SIGKILLed."""

import asyncio
import contextlib
import os
import time
import uuid

import pytest
import socketio
from django.urls import reverse
from rest_framework_simplejwt.tokens import AccessToken

from conversations import presence
from conversations.models import Agent
from tests.live import AsgiServer
from tests.services import REDIS_URL, require_redis

JSON = {"HTTP_ACCEPT": "application/json"}


def status(agent) -> str:
    return Agent.objects.get(pk=agent.pk).status


@pytest.fixture(params=["memory", "redis"])
def registry(request, monkeypatch):
    """Each rule runs on both registries (Redis under a private prefix)."""
    if request.param == "memory":
        reg = presence.MemoryRegistry()
    else:
        require_redis()
        reg = presence.RedisRegistry(REDIS_URL, f"pb-test-presence-{uuid.uuid4().hex}")
    monkeypatch.setattr(presence, "_registry", reg)
    yield reg
    reg.clear()


def test_online_while_any_tab_is_connected_offline_after_the_last(registry, acme):
    agent = acme.agent
    assert status(agent) == "offline"  # logging in alone does not make anyone "online"
    presence.connected(agent, "tab-1")
    assert status(agent) == "online"
    presence.connected(agent, "tab-2")
    presence.disconnected(agent, "tab-1")
    assert status(agent) == "online"
    presence.disconnected(agent, "tab-2")
    assert status(agent) == "offline"
    assert not presence.is_available(Agent.objects.get(pk=agent.pk))


def test_away_when_every_tab_is_idle(registry, acme):
    agent = acme.agent
    presence.connected(agent, "a")
    presence.connected(agent, "b")
    presence.set_idle(agent, "a", True)
    assert status(agent) == "online"  # tab b is still in use
    presence.set_idle(agent, "b", True)
    assert status(agent) == "away"
    presence.set_idle(agent, "a", False)
    assert status(agent) == "online"
    # Another agent's connection id is not theirs to report.
    assert presence.set_idle(acme.other_agent, "a", True) is None


def test_a_manual_choice_overrides_and_online_never_lies(registry, acme):
    agent = acme.agent
    presence.connected(agent, "tab")
    presence.set_manual(agent, "away")
    presence.set_idle(agent, "tab", False)
    assert status(agent) == "away"
    presence.set_manual(agent, "offline")
    presence.connected(agent, "tab-2")
    assert status(agent) == "offline"
    presence.set_manual(agent, "online")
    assert status(agent) == "online"
    presence.disconnected(agent, "tab")
    presence.disconnected(agent, "tab-2")
    # "Online" with no inbox open is not believed.
    presence.set_manual(agent, "online")
    assert status(agent) == "offline"


def test_expired_connections_and_restarts_leave_nobody_online(registry, acme, client):
    agent = acme.agent
    registry.add(agent.pk, "dead-process-tab", time.time() - 1)  # never renewed
    presence.recompute(agent)
    assert status(agent) == "offline"
    # A status left "online" by a previous run (a restart): the widget's first look fixes it.
    Agent.objects.filter(pk__in=[acme.agent.pk, acme.owner.pk]).update(status="online")
    presence.connected(acme.owner, "owner-tab")
    response = client.get(reverse("widget:availability"), {"business_id": acme.business.public_id})
    agents = {a["agent_id"]: a["status"] for a in response.json()["agents"]}
    assert agents[acme.agent.pk] == "offline"
    assert agents[acme.owner.pk] == "online"
    assert [a.pk for a in presence.available_agents(acme.business)] == [acme.owner.pk]


def test_heartbeat_keeps_a_connection_alive_past_its_ttl(registry, acme, settings):
    settings.PRESENCE_TTL_SECONDS = 0.2
    presence.connected(acme.agent, "tab")
    presence.heartbeat({"tab": acme.agent.pk})
    assert presence.desired_status(acme.agent, now=time.time() + 0.1) == "online"
    assert presence.desired_status(acme.agent, now=time.time() + 5) == "offline"
    assert presence.sweep() == 0 or status(acme.agent) in ("online", "offline")


def test_idle_endpoint_checks_input_and_ownership(client, acme, globex, monkeypatch):
    monkeypatch.setattr(presence, "_registry", presence.MemoryRegistry())
    presence.connected(acme.agent, "alice-tab")
    presence.connected(globex.agent, "globex-tab")
    client.force_login(acme.other_agent.user)
    endpoint = reverse("inbox:presence_idle")
    for data in [
        {},
        {"connection": "alice-tab"},
        {"connection": "x" * 65, "idle": "true"},
        {"connection": "alice-tab", "idle": "maybe"},
    ]:
        assert client.post(endpoint, data, **JSON).status_code == 400, data
    # Someone else's tab, another business's tab, an unknown one: 404, nothing changes.
    for conn in ["alice-tab", "globex-tab", "nope"]:
        response = client.post(endpoint, {"connection": conn, "idle": "true"}, **JSON)
        assert response.status_code == 404
        assert "not one of your open inbox tabs" in response.json()["message"]
    assert status(acme.agent) == "online"
    assert client.get(endpoint).status_code == 405
    client.force_login(acme.agent.user)
    response = client.post(endpoint, {"connection": "alice-tab", "idle": "true"}, **JSON)
    assert response.json()["agent"]["status"] == "away"


def test_manual_status_form_goes_through_presence(client, acme, monkeypatch):
    monkeypatch.setattr(presence, "_registry", presence.MemoryRegistry())
    client.force_login(acme.agent.user)
    url = reverse("inbox:agent_status")
    assert client.post(url, {"status": "online"}, **JSON).json()["agent"]["status"] == "offline"
    presence.connected(acme.agent, "tab")
    assert client.post(url, {"status": "away"}, **JSON).json()["agent"]["status"] == "away"
    assert client.post(url, {"status": "asleep"}, **JSON).status_code == 400


# --- two processes on Redis, one SIGKILLed ----------------------------------------------------


async def agent_socket(url: str, agent, business_id: str) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    token = str(AccessToken.for_user(agent.user))
    await client.connect(
        url,
        auth={"business_id": business_id, "token": token, "presence": True},
        transports=["websocket"],
        wait_timeout=20,
    )
    return client


async def until(predicate, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(predicate):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_presence_across_two_processes_and_after_a_sigkill(acme, monkeypatch):
    require_redis()
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # A private Redis database and prefix: nothing shared with other test runs.
    redis_url = REDIS_URL.rsplit("/", 1)[0] + "/13"
    env = {
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": f"pb-presence-{os.getpid()}-{uuid.uuid4().hex[:8]}",
        "PRESENCE_TTL_SECONDS": "2",
    }
    agent, public_id = acme.agent, acme.business.public_id
    one, two = AsgiServer(**env).start(), AsgiServer(**env).start()
    try:

        async def scenario():
            a = await agent_socket(one.url, agent, public_id)
            await until(lambda: status(agent) == "online", "online after the first tab")
            b = await agent_socket(two.url, agent, public_id)
            await a.disconnect()
            # Still online, also after a full TTL: the tab on the other process is connected
            # and its process renews it (this waits out the expiry on purpose).
            await asyncio.sleep(2.5)
            assert status(agent) == "online"
            # SIGKILL the process holding the last tab: nobody says goodbye; its connection
            # expires and the surviving process's sweep sets the agent offline.
            started = time.monotonic()
            two.kill()
            await until(lambda: status(agent) == "offline", "offline after the SIGKILL")
            with contextlib.suppress(Exception):  # its server is gone
                await b.disconnect()
            return time.monotonic() - started

        # The surviving process sweeps only once its loop runs: keep one inbox tab of another
        # member connected there.
        async def with_watcher():
            watcher = await agent_socket(one.url, acme.owner, public_id)
            try:
                return await scenario()
            finally:
                await watcher.disconnect()

        took = asyncio.run(with_watcher())
        print(f"offline {took:.1f} s after the SIGKILL (TTL 2 s)")
        assert took < 15
    finally:
        one.stop()
        two.stop()
