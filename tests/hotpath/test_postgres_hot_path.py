"""The PostgreSQL message hot path (issue 12) end to end: one web process on a fresh
PostgreSQL database. Counters bumped in one UPDATE ... RETURNING keep every rule: a customer
message reopens a resolved conversation, an agent's first reply takes an unassigned one over,
retries are idempotent by the unique constraint, and a plain agent's cached proof of access is
refused once the conversation is reassigned away from them."""

import json
import urllib.request

import psycopg
import pytest

from tests.live import AsgiServer
from tests.realtime_sio.conftest import Peer
from tests.scaleout.cluster import demo
from tests.services import fresh_postgres_database

pytestmark = pytest.mark.services

PASSWORD = "hot-path-pass-1"


def token(url: str, email: str) -> str:
    request = urllib.request.Request(
        url + "/api/v1/auth/token",
        data=json.dumps({"email": email, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["access"]


def row(database_url: str, conv_id: int) -> dict:
    with psycopg.connect(database_url) as conn:
        cursor = conn.execute(
            "SELECT status, assignee_id, message_count, last_message_text, first_message_text,"
            " first_response_at IS NOT NULL, (SELECT count(*) FROM conversations_message m"
            " WHERE m.conversation_id = c.id) FROM conversations_conversation c WHERE id = %s",
            (conv_id,),
        )
        keys = ("status", "assignee_id", "count", "last", "first", "responded", "stored")
        return dict(zip(keys, cursor.fetchone(), strict=True))


def agent_id(database_url: str, email: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT a.id FROM conversations_agent a JOIN auth_user u ON u.id = a.user_id"
            " WHERE u.email = %s",
            (email,),
        ).fetchone()[0]


async def test_hot_path_on_postgresql_keeps_the_conversation_rules():
    with fresh_postgres_database() as url:
        info = demo(url, PASSWORD)
        # The counters below are the customer's messages: the demo's assistant stays out.
        with psycopg.connect(url) as conn:
            conn.execute(
                "UPDATE conversations_business SET ai_auto_reply_enabled = false"
                " WHERE public_id = %s",
                (info["business_id"],),
            )
        with AsgiServer(DATABASE_URL=url, REDIS_URL=None) as server:
            business = info["business_id"]
            peers = []
            try:
                widget = Peer(server.url)
                peers.append(widget)
                await widget.connect({"business_id": business})
                ack = await widget.call(
                    "client_message",
                    {"content": "hi", "customer_data": {"name": "Hot", "email": "h@x.test"}},
                )
                conv_id = ack["conversation_id"]
                for n in range(3):  # cached proof, counters in place
                    sent = await widget.call(
                        "client_message",
                        {"conversation_id": conv_id, "content": f"m{n}", "client_id": f"c{n}"},
                    )
                    assert sent["ok"] and sent["created"], sent
                retry = await widget.call(
                    "client_message",
                    {"conversation_id": conv_id, "content": "m2", "client_id": "c2"},
                )
                assert retry["ok"] and not retry["created"]
                assert retry["message"]["id"] == sent["message"]["id"]
                state = row(url, conv_id)
                assert (state["count"], state["stored"], state["last"], state["first"]) == (
                    4,
                    4,
                    "m2",
                    "hi",
                )
                assert state["status"] == "open" and state["assignee_id"] is None

                # Resolved behind the socket's back: the next message reopens it.
                with psycopg.connect(url) as conn:
                    conn.execute(
                        "UPDATE conversations_conversation SET status = 'resolved' WHERE id = %s",
                        (conv_id,),
                    )
                back = await widget.call(
                    "client_message", {"conversation_id": conv_id, "content": "back"}
                )
                assert back["ok"], back
                state = row(url, conv_id)
                assert (state["status"], state["count"], state["last"]) == ("open", 5, "back")

                agent = Peer(server.url)
                peers.append(agent)
                await agent.connect(
                    {"business_id": business, "token": token(server.url, info["agent"]["email"])}
                )
                assert (await agent.call("join_conversation", {"conversation_id": conv_id}))["ok"]
                for text in ("taking over", "second reply"):  # takeover, then in place
                    sent = await agent.call(
                        "agent_message", {"conversation_id": conv_id, "content": text}
                    )
                    assert sent["ok"], sent
                state = row(url, conv_id)
                assert state["assignee_id"] == agent_id(url, info["agent"]["email"])
                # (the demo business's assistant may add its own messages: counted too)
                assert state["responded"] and state["count"] == state["stored"] >= 7

                owner = Peer(server.url)
                peers.append(owner)
                await owner.connect(
                    {"business_id": business, "token": token(server.url, info["owner"]["email"])}
                )
                owner_id = agent_id(url, info["owner"]["email"])
                moved = await owner.call(
                    "assign_conversation", {"conversation_id": conv_id, "agent_id": owner_id}
                )
                assert moved["ok"], moved
                refused = await agent.call(
                    "agent_message", {"conversation_id": conv_id, "content": "still mine?"}
                )
                assert refused["error"]["code"] == "CONVERSATION_NOT_FOUND"
                after = row(url, conv_id)
                assert after["count"] == after["stored"]
                with psycopg.connect(url) as conn:
                    assert not conn.execute(
                        "SELECT 1 FROM conversations_message WHERE content = 'still mine?'"
                    ).fetchone()
            finally:
                for peer in peers:
                    await peer.close()
