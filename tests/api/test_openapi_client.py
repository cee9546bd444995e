"""A client generated from the schema (openapi-python-client) against a real server.

The schema is read from the running server, the client generated without warnings, every
operation gets its function, and the generated code drives real calls: the webhooks API from
registration (201 with the secret) to deletion, and the seed's PocketPing operator send.
"""

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from conversations.models import Message
from tests.live import AsgiServer
from tests.realtime_topics.helpers import run

pytestmark = pytest.mark.django_db(transaction=True)

PACKAGE = "pingback_client"


@pytest.fixture(scope="module")
def server(django_db_setup):
    with AsgiServer(WEBHOOKS_ALLOW_PRIVATE_URLS="1") as srv:
        yield srv


@pytest.fixture(scope="module")
def generated(server, tmp_path_factory):
    spec = httpx.get(server.url + "/api/v1/schema/?format=json", timeout=30).json()
    root = tmp_path_factory.mktemp("client")
    (root / "schema.json").write_text(json.dumps(spec))
    venv_bin = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [
            str(venv_bin / "openapi-python-client"),
            "generate",
            "--path",
            str(root / "schema.json"),
            "--output-path",
            str(root / PACKAGE),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(root))
    try:
        yield spec, importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def op(tag: str, operation_id: str):
    return importlib.import_module(f"{PACKAGE}.api.{tag}.{operation_id}")


def test_every_operation_has_a_generated_function(generated):
    spec, _ = generated
    missing = []
    for item in spec["paths"].values():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            tag = re.sub(r"[^a-z0-9]+", "_", operation["tags"][0].lower())
            try:
                module = op(tag, operation["operationId"])
            except ImportError:
                missing.append(operation["operationId"])
                continue
            assert callable(module.sync_detailed)
    assert missing == []


def test_the_webhooks_api_through_the_generated_client(generated, server, acme):
    _, client_pkg = generated
    models = importlib.import_module(f"{PACKAGE}.models")
    client = client_pkg.AuthenticatedClient(base_url=server.url, token=acme.raw_api_key)

    created = op("webhooks", "webhooks_create").sync_detailed(
        client=client, body=models.WebhookInputRequest(url="http://127.0.0.1:9/hook", events=["*"])
    )
    assert created.status_code == 201, created.content
    assert created.parsed.secret.startswith("whsec_")
    hook_id = str(created.parsed.id)

    listed = op("webhooks", "webhooks_list").sync(client=client)
    assert [str(w.id) for w in listed.webhooks] == [hook_id]
    assert str(op("webhooks", "webhooks_retrieve").sync(hook_id, client=client).id) == hook_id
    events = op("webhooks", "webhooks_events_list").sync(client=client)
    assert "message.created" in events.events
    updated = op("webhooks", "webhooks_update").sync(
        hook_id, client=client, body=models.PatchedWebhookUpdateInputRequest(description="CRM")
    )
    assert updated.description == "CRM"
    assert op("webhooks", "webhooks_disable").sync(hook_id, client=client).enabled is False
    assert op("webhooks", "webhooks_enable").sync(hook_id, client=client).enabled is True
    rotated = op("webhooks", "webhooks_rotate_secret").sync(hook_id, client=client)
    assert rotated.secret != created.parsed.secret
    test = op("webhooks", "webhooks_test").sync_detailed(hook_id, client=client)
    assert test.status_code == 202 and test.parsed.event == "webhook.test"
    deliveries = op("webhooks", "webhooks_deliveries_list").sync(hook_id, client=client)
    assert test.parsed.id in [d.id for d in deliveries.deliveries]
    delivery = op("webhooks", "webhooks_deliveries_retrieve").sync(
        hook_id, str(test.parsed.id), client=client
    )
    assert delivery.id == test.parsed.id
    attempts = op("webhooks", "webhooks_deliveries_attempts_list").sync(
        hook_id, str(test.parsed.id), client=client
    )
    assert isinstance(attempts.attempts, list)
    gone = op("webhooks", "webhooks_destroy").sync_detailed(hook_id, client=client)
    assert gone.status_code == 204
    missing = op("webhooks", "webhooks_retrieve").sync_detailed(hook_id, client=client)
    assert missing.status_code == 404


async def test_the_seeds_operator_send_through_the_generated_client(generated, server, acme):
    _, client_pkg = generated
    models = importlib.import_module(f"{PACKAGE}.models")
    client = client_pkg.AuthenticatedClient(base_url=server.url, token=acme.raw_api_key)
    conv = await run(acme.start, "Hello")

    listed = op("conversations", "conversations_list").sync(client=client)
    assert listed.results[0].assignee is None  # a nullable reference parses as None
    sent = op("sessions", "sessions_messages_create").sync_detailed(
        str(conv.pk),
        client=client,
        body=models.SendMessageInputRequest(
            content="Thanks for reaching out!", type_=models.SessionMessageTypeEnum.OPERATOR
        ),
    )
    assert sent.status_code == 201, sent.content
    message = await run(Message.objects.get, pk=sent.parsed.id)
    assert message.sender_api_key_id == acme.api_key.pk
