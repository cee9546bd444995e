"""The seed's complete integration example, run by Node with the real npm socket.io-client."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.realtime_sio.conftest import jwt_for

pytestmark = pytest.mark.django_db(transaction=True)

JS = Path(__file__).resolve().parent.parent / "js"


def run_seed_example(url, tenant) -> dict:
    assert shutil.which("node"), "Node.js is required for the socket.io-client test"
    if not (JS / "node_modules" / "socket.io-client").exists():
        subprocess.run(["npm", "ci", "--silent", "--no-audit", "--no-fund"], cwd=JS, check=True)
    args = [url, tenant.business.public_id, jwt_for(tenant.agent), tenant.raw_api_key]
    done = subprocess.run(
        ["node", "seed_example.mjs", *args, str(tenant.agent.pk)],
        cwd=JS,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = done.stdout.splitlines()
    result = [line for line in lines if line.startswith("RESULT ")]
    assert done.returncode == 0 and result, done.stdout + done.stderr
    return {"log": lines, **json.loads(result[0].removeprefix("RESULT "))}


def test_seed_integration_example_with_the_npm_client(sio_server, acme):
    seen = run_seed_example(sio_server.url, acme)
    conv_id = seen["conversation_id"]
    customer_msg, agent_msg = seen["new_message"][0], seen["new_message"][1]
    for message in (customer_msg, agent_msg):
        assert {"id", "content", "sender_type", "conversation_id", "created_at"} <= set(message)
        assert message["conversation_id"] == conv_id
    assert customer_msg["sender_type"] == "customer"
    assert agent_msg["sender_type"] == "agent"
    assert agent_msg["content"] == "Happy to help! What is the order number?"
    assert seen["delivered"][0]["message_id"] == customer_msg["id"]
    assert seen["read"][0]["message_id"] == customer_msg["id"]
    assert seen["typing"][0] == {
        "conversation_id": conv_id,
        "user_id": acme.agent.pk,
        "is_typing": True,
        "sender_type": "agent",
        "is_ai": False,
    }
    assert seen["agent"]["typing"][0]["is_typing"] is True
    assert seen["transport"] == "websocket"
    # The seed's own console output.
    assert "[agent] Happy to help! What is the order number?" in seen["log"]
    assert f"Message {customer_msg['id']} read at {seen['read'][0]['read_at']}" in seen["log"]
