"""Scale-out and faults on the real PostgreSQL and a private Redis (issue #9).

One cluster per module: three web processes (clients use the WebSocket transport and no
sticky balancer: each client picks its process) and two Celery workers (the AI assistant's
replies run there), on a fresh PostgreSQL database and a redis-server of our own that the
restart test stops and starts on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools

import pytest

from tests.scaleout.cluster import Chat, Cluster, StreamWatcher, TopicWatcher, until
from tests.services import RedisServer, fresh_postgres_database, require_redis

pytestmark = [pytest.mark.services, pytest.mark.timeout(300)]

_ids = itertools.count(1)


def cid(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def person(name: str) -> dict:
    return {"name": name, "email": f"visitor{next(_ids)}@example.com"}


@pytest.fixture(scope="module")
def redis_server():
    require_redis()  # the suite's Redis being up says redis-server is installed and usable
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cluster(redis_server):
    with fresh_postgres_database() as url:
        cluster = Cluster(url, redis_server.url).start()
        try:
            yield cluster
        finally:
            cluster.stop()


async def open_conversation(cluster: Cluster, customer: Chat, agent: Chat, content: str):
    """The customer starts a conversation; the agent (owner) joins it from its own process."""
    ack = await customer.call(
        "client_message",
        {"content": content, "client_id": cid("c"), "customer_data": person(customer.name)},
    )
    conv = ack["conversation_id"]
    await agent.call("join_conversation", {"conversation_id": conv, "last_message_id": 0})
    return conv, ack


async def test_customers_and_agents_on_different_processes_converse_without_loss(cluster):
    servers = cluster.servers
    watchers = [await TopicWatcher(s, cluster.token, cluster.business_id).open() for s in servers]
    pairs = []
    for i in range(6):  # customer on process i % 3, its agent socket on the next one
        customer = await Chat(servers[i % 3].url, f"Customer {i}").connect(
            {"business_id": cluster.business_id}
        )
        agent = await Chat(servers[(i + 1) % 3].url).connect(cluster.agent_auth())
        pairs.append((customer, agent))
    try:
        convs = []
        for customer, agent in pairs:
            # A knowledge-base question: a Celery worker answers it as the AI assistant.
            conv, _ = await open_conversation(
                cluster, customer, agent, "How do I reset my password?"
            )
            convs.append(conv)
        for (customer, _agent), conv in zip(pairs, convs, strict=True):
            await until(
                lambda c=customer, v=conv: any(m["is_ai"] for m in c.received[v].values()),
                what=f"the AI reply (a Celery worker) in conversation {conv}",
            )
        # The agent takes over: from now on people only, in both directions, interleaved.
        for round_ in range(5):
            for customer, agent in pairs:
                conv = convs[pairs.index((customer, agent))]
                await customer.call(
                    "client_message",
                    {"conversation_id": conv, "content": f"c{round_}", "client_id": cid("c")},
                )
                await agent.call(
                    "agent_message",
                    {"conversation_id": conv, "content": f"a{round_}", "client_id": cid("a")},
                )
        for (customer, agent), conv in zip(pairs, convs, strict=True):
            stored = await asyncio.to_thread(cluster.rest_messages, conv)
            assert len(stored) >= 12  # first question + AI answer + 5 rounds of 2
            await until(
                lambda c=customer, a=agent, v=conv, s=stored: c.ids(v) == s and a.ids(v) == s,
                what=f"both sides of conversation {conv} to hold every stored message",
            )
            assert len(customer.raw) == len(set(customer.raw)), "a customer got a duplicate"
        # Every topics subscriber, whatever its process, heard every new conversation.
        expected = {str(c) for c in convs}
        await until(
            lambda: all(expected <= w.created for w in watchers),
            what="every topic subscriber to see every CREATE",
        )
        assert sum(w.tasks_succeeded() for w in cluster.workers) >= len(convs)
    finally:
        for customer, agent in pairs:
            await customer.close()
            await agent.close()
        for watcher in watchers:
            await watcher.close()


async def test_killed_process_clients_resume_elsewhere_without_loss_or_duplicates(cluster):
    victim = cluster.new_server()  # a fourth process, so the cluster stays whole
    survivor = cluster.servers[1]
    customer = await Chat(victim.url, "Kill Customer").connect({"business_id": cluster.business_id})
    agent = await Chat(survivor.url).connect(cluster.agent_auth())
    try:
        conv, ack = await open_conversation(cluster, customer, agent, "Hello before the crash")
        await agent.call(
            "agent_message", {"conversation_id": conv, "content": "hi", "client_id": cid("a")}
        )
        for n in range(3):
            await agent.call(
                "agent_message",
                {"conversation_id": conv, "content": f"before {n}", "client_id": cid("a")},
            )
        before = await asyncio.to_thread(cluster.rest_messages, conv)
        await until(
            lambda: customer.ids(conv) == before,
            what="the customer to be caught up",
        )
        cursor = before[-1]

        victim.kill()  # SIGKILL mid-conversation
        await until(lambda: not customer.sio.connected, what="the customer to notice")
        # The agent keeps talking while the customer is away.
        for n in range(4):
            await agent.call(
                "agent_message",
                {"conversation_id": conv, "content": f"while away {n}", "client_id": cid("a")},
            )
        # The customer reconnects to another process with its session and cursor.
        resumed = Chat(cluster.servers[2].url, "Kill Customer")
        resumed.received[conv].update(customer.received[conv])
        await resumed.connect(
            {
                "business_id": cluster.business_id,
                "session_token": ack["session_token"],
                "conversation_id": conv,
                "last_message_id": cursor,
            }
        )
        try:
            # The replay (server-side join from auth, before anything else) brings the
            # customer up to date with what it missed...
            away = await asyncio.to_thread(cluster.rest_messages, conv)
            await until(lambda: resumed.ids(conv) == away, what="the replay after the cursor")
            # ...and the conversation simply goes on.
            await resumed.call(
                "client_message",
                {"conversation_id": conv, "content": "back again", "client_id": cid("c")},
            )
            stored = await asyncio.to_thread(cluster.rest_messages, conv)
            await until(
                lambda: resumed.ids(conv) == stored and agent.ids(conv) == stored,
                what="both sides to hold every message after the resume",
            )
            # The replay started after the cursor: nothing the customer had came twice.
            assert not set(resumed.raw) & set(before)
            assert len(resumed.raw) == len(set(resumed.raw))
            # (The agent's initial join may overlap a live message, documented; after the
            # crash, nothing reached it twice.)
            after_crash = [i for i in agent.raw if i > cursor]
            assert len(after_crash) == len(set(after_crash))
        finally:
            await resumed.close()
    finally:
        await customer.close()
        await agent.close()
        victim.stop()


async def test_redis_restart_servers_reconnect_and_no_process_stays_deaf(cluster, redis_server):
    servers = cluster.servers
    customers, agents, convs, acks = [], [], [], []
    for i, server in enumerate(servers):
        customer = await Chat(server.url, f"Restart {i}").connect(
            {"business_id": cluster.business_id}
        )
        customers.append(customer)
    for server in servers:
        agents.append(await Chat(server.url).connect(cluster.agent_auth()))
    # An integration's /ws stream on the last process: told of the gap, it resumes.
    stream = await StreamWatcher(servers[-1], cluster.info["api_key"]).open()
    try:
        for customer in customers:
            ack = await customer.call(
                "client_message",
                {"content": "hello", "client_id": cid("c"), "customer_data": person("R")},
            )
            conv = ack["conversation_id"]
            convs.append(conv)
            acks.append(ack)
            for agent in agents:  # every process has an agent socket in every conversation
                await agent.call(
                    "join_conversation", {"conversation_id": conv, "last_message_id": 0}
                )
            # An agent reply first: the AI stays out of this conversation.
            await agents[0].call(
                "agent_message",
                {"conversation_id": conv, "content": "hi", "client_id": cid("a")},
            )
        before = {}
        for conv, customer in zip(convs, customers, strict=True):
            stored = before[conv] = await asyncio.to_thread(cluster.rest_messages, conv)
            await until(
                lambda v=conv, s=stored, c=customer: (
                    c.ids(v) == s and all(a.ids(v) == s for a in agents)
                ),
                what="everyone caught up before the restart",
            )

        redis_server.stop()
        # Traffic during the outage: the writes go to PostgreSQL (an ack may report a failed
        # broadcast; the client retries with the same client_id, which is idempotent).
        pending = []
        for conv, customer in zip(convs, customers, strict=True):
            client_id = cid("c")
            pending.append((customer, conv, client_id))
            # A timeout or an error ack is fine: retried below with the same client_id.
            with contextlib.suppress(Exception):
                await customer.sio.call(
                    "client_message",
                    {"conversation_id": conv, "content": "during outage", "client_id": client_id},
                    timeout=30,
                )
        redis_server.start()  # same port
        # Each process re-subscribes, then drops its sockets so that clients resume with their
        # cursor (a socket kept open across the outage would have missed emits silently).
        await until(
            lambda: not any(c.sio.connected for c in customers + agents),
            what="every process to notice Redis is back and let its sockets resume",
        )
        resumed_customers, resumed = [], []
        for customer, ack, conv, server in zip(customers, acks, convs, servers, strict=True):
            chat = Chat(server.url, customer.name)
            chat.received[conv].update(customer.received[conv])
            await chat.connect(
                {
                    "business_id": cluster.business_id,
                    "session_token": ack["session_token"],
                    "conversation_id": conv,
                    "last_message_id": max(customer.received[conv]),
                }
            )
            resumed_customers.append(chat)
        for agent, server in zip(agents, servers, strict=True):
            chat = Chat(server.url)
            await chat.connect(cluster.agent_auth())
            for conv in convs:
                chat.received[conv].update(agent.received[conv])
                await chat.call(
                    "join_conversation",
                    {"conversation_id": conv, "last_message_id": max(agent.received[conv])},
                )
            resumed.append(chat)
        try:
            # A send whose ack was lost in the outage is retried with its client_id
            # (idempotent: stored once).
            for (_, conv, client_id), chat in zip(pending, resumed_customers, strict=True):
                await chat.call(
                    "client_message",
                    {"conversation_id": conv, "content": "during outage", "client_id": client_id},
                )
            # No deaf process: a customer on each process writes; every agent socket on every
            # process hears it live.
            for conv, chat in zip(convs, resumed_customers, strict=True):
                ack = await chat.call(
                    "client_message",
                    {"conversation_id": conv, "content": "after", "client_id": cid("p")},
                )
                probe = ack["message"]["id"]
                await until(
                    lambda p=probe, v=conv: all(p in r.received[v] for r in resumed),
                    what=f"every process to deliver message {probe}",
                )
            # Nothing is missing anywhere, nothing came twice.
            for conv, chat in zip(convs, resumed_customers, strict=True):
                stored = await asyncio.to_thread(cluster.rest_messages, conv)
                await until(
                    lambda v=conv, s=stored, c=chat: (
                        c.ids(v) == s and all(r.ids(v) == s for r in resumed)
                    ),
                    what=f"every resumed socket to hold conversation {conv}",
                )
                assert len(stored) == len(before[conv]) + 2  # during outage (once), after
            for chat in resumed_customers + resumed:
                assert len(chat.raw) == len(set(chat.raw)), "a duplicate after resuming"
            # The /ws stream was told it may have missed events, resumed with its lastEventId
            # and holds every message of every conversation, with no event twice.
            # (The hub notices within a few probe periods: a probe that never came back.)
            await until(lambda: stream.gaps >= 1, what="the /ws stream to be told of a gap")
            every = set()
            for conv in convs:
                every.update(await asyncio.to_thread(cluster.rest_messages, conv))
            await until(
                lambda: every <= stream.messages, what="the /ws stream to hold every message"
            )
            assert len(stream.event_ids) == len(set(stream.event_ids)), "a duplicate on /ws"
        finally:
            for chat in resumed_customers + resumed:
                await chat.close()
    finally:
        await stream.close()
        for chat in customers + agents:
            await chat.close()
