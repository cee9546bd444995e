"""A client generated from the schema (openapi-python-client) against a real server.

The schema is read from the running server, the client generated without warnings, every
operation gets its function, and the generated code drives real calls: the webhooks API from
registration (201 with the secret) to deletion, and the seed's PocketPing operator send.
"""

import enum
import importlib
import json
import os
import re
import subprocess
import sys
import typing
from pathlib import Path

import httpx
import pytest

from conversations.models import Message
from tests.live import AsgiServer
from tests.realtime_topics.helpers import run
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)

PACKAGE = "pingback_client"


@pytest.fixture(scope="module")
def server(django_db_setup):
    # The embedded default (in-process tasks): exports and webhook deliveries the flow waits
    # for finish without a Celery worker, also in CI where REDIS_URL is set.
    with AsgiServer(WEBHOOKS_ALLOW_PRIVATE_URLS="1", REDIS_URL=None) as srv:
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


class Caller:
    """Calls one operation through the generated client and checks its answer: the documented
    success status, parsed into the documented model (never ``Error``)."""

    def __init__(self, spec, server, tokens):
        self.operations = {
            o["operationId"]: o
            for item in spec["paths"].values()
            for method, o in item.items()
            if method in ("get", "post", "put", "patch", "delete")
        }
        self.clients = {
            who: importlib.import_module(PACKAGE).AuthenticatedClient(
                base_url=server.url, token=token, timeout=httpx.Timeout(30)
            )
            for who, token in tokens.items()
        }
        self.models = importlib.import_module(f"{PACKAGE}.models")
        self.called: set[str] = set()

    def __call__(self, operation_id, *path, who="key", body=None, status=None, **query):
        operation = self.operations[operation_id]
        tag = re.sub(r"[^a-z0-9]+", "_", operation["tags"][0].lower())
        if body is not None:
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            query["body"] = getattr(self.models, ref.rsplit("/", 1)[1]).from_dict(body)
        module = op(tag, operation_id)
        hints = typing.get_type_hints(module.sync_detailed)
        for name, value in list(query.items()):
            enums = [
                t
                for t in typing.get_args(hints[name]) or (hints[name],)
                if isinstance(t, type) and issubclass(t, enum.Enum)
            ]
            if enums:
                query[name] = enums[0](value)
        client = self.clients[who]
        answer = module.sync_detailed(*map(str, path), client=client, **query)
        successes = sorted(code for code in operation["responses"] if code.startswith("2"))
        expected = [str(status)] if status else successes
        assert str(int(answer.status_code)) in expected, (
            operation_id,
            answer.status_code,
            answer.content,
        )
        if answer.status_code != 204 and "application/json" in operation["responses"][
            str(int(answer.status_code))
        ].get("content", {}):
            assert answer.parsed is not None, operation_id  # a documented status
            is_error = type(answer.parsed).__name__ == "Error"
            assert is_error == (answer.status_code >= 400), operation_id
        self.called.add(operation_id)
        return answer.parsed if answer.parsed is not None else answer


def eventually(check, timeout=30.0):
    """Polls ``check`` (an API call) until it returns something truthy."""
    import time

    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return result


@pytest.fixture
def receiver():
    hooks = Receiver().start()
    yield hooks
    hooks.stop()


def test_every_operation_through_the_generated_client(generated, server, acme, receiver):
    """Every operation of the schema is called with valid input against the running server and
    its answer parses into the generated model (found: undocumented 403s of manager-only
    operations and the replay's 409, now in the schema)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from tests.api.conftest import jwt_for
    from tests.conftest import PASSWORD

    spec, _ = generated
    admin = acme.admin.user  # logs in and out (logout ends all of its sessions)
    admin.password = PBKDF2PasswordHasher().encode(PASSWORD, "openapiclient")
    admin.save(update_fields=["password"])
    call = Caller(
        spec,
        server,
        {
            "key": acme.raw_api_key,
            "owner": jwt_for(acme.owner),
            "agent": jwt_for(acme.agent),
            "admin": jwt_for(acme.admin),
        },
    )
    conv = acme.start("Hello")
    customer = acme.customer.pk
    agent_id = acme.agent.pk

    # Auth
    pair = call("auth_token_create", who="admin", body={"email": admin.email, "password": PASSWORD})
    fresh = call("auth_token_refresh_create", who="admin", body={"refresh": pair.refresh})
    call(
        "auth_logout_create", who="admin", body={"refresh": getattr(fresh, "refresh", pair.refresh)}
    )
    call("me_retrieve", who="agent")

    # Agents and team
    call("agents_list")
    call("agents_retrieve", agent_id)
    call("agents_me_status_update", who="agent", body={"status": "online"})
    invitation = call(
        "invitations_create", who="owner", body={"email": "new@acme.test", "role": "agent"}
    )
    call("invitations_list", who="owner")
    call("invitations_destroy", invitation.id, who="owner")
    call("team_members_partial_update", acme.other_agent.pk, who="owner", body={"role": "admin"})
    call("team_members_destroy", acme.other_agent.pk, who="owner")

    # Settings
    call("ai_settings_retrieve", who="owner")
    call("ai_settings_partial_update", who="owner", body={"max_replies": 3})
    call("business_hours_retrieve", who="owner")
    call("business_hours_partial_update", who="owner", body={"away_message": "Back soon"})
    call("business_settings_retrieve", who="owner")
    call("business_settings_partial_update", who="owner", body={"csat_enabled": True})
    call("widget_settings_retrieve", who="owner")
    call("widget_settings_partial_update", who="owner", body={"title": "Help"})

    # Identity verification secret
    call("identity_secret_create", who="owner")
    call("identity_secret_retrieve", who="owner")

    # API keys
    key = call("api_keys_create", who="owner", body={"name": "CRM"})
    call("api_keys_list", who="owner")
    call("api_keys_retrieve", key.id, who="owner")
    call("api_keys_destroy", key.id, who="owner")

    # Labels and canned responses
    label = call("labels_create", body={"name": "vip"})
    call("labels_retrieve")
    call("labels_partial_update", label.id, body={"color": "#ff0000"})
    call(  # a documented refusal: it parses into Error
        "canned_responses_create",
        who="agent",
        body={"shortcut": "x", "title": "x", "content": "x"},
        status=403,
    )
    canned = call(
        "canned_responses_create",
        who="owner",
        body={"shortcut": "hi", "title": "Hi", "content": "Hi {{name}}"},
    )
    call("canned_responses_list", who="agent")
    call("canned_responses_retrieve", canned.id, who="agent")
    call("canned_responses_partial_update", canned.id, who="owner", body={"title": "Hello"})
    call("conversations_canned_responses_rendered_retrieve", conv.pk, canned.id, who="agent")

    # Conversations
    call("conversations_list")
    call("conversations_retrieve", conv.pk)
    call("conversations_create", body={"customer_id": customer, "message": "Another question"})
    call("conversations_assign_update", conv.pk, body={"agent_id": agent_id})
    call("conversations_unassign_update", conv.pk)
    call("conversations_labels_create", conv.pk, body={"add": [label.id]})
    call("conversations_messages_create", conv.pk, who="agent", body={"content": "Hi!"})
    messages = call("conversations_messages_retrieve", conv.pk)
    call("conversations_messages_read_create", conv.pk, who="agent", body={})
    call("conversations_notes_create", conv.pk, who="agent", body={"content": "VIP customer"})
    call("conversations_notes_retrieve", conv.pk, who="agent")
    call("conversations_handoff_update", conv.pk, body={"reason": "asked for a human"})
    call("conversations_handoffs_retrieve")
    call("conversations_handoff_destroy", conv.pk)
    call("conversations_pending_update", conv.pk)
    call("conversations_snooze_create", conv.pk, body={"preset": "tomorrow"})
    call("conversations_snooze_destroy", conv.pk)
    call("conversations_resolve_update", conv.pk)
    call("conversations_reopen_update", conv.pk)
    call("conversations_close_update", conv.pk)
    call("search_retrieve", q="Hello")
    call("events_list", who="owner")
    assert messages is not None

    # Sessions (PocketPing's bridge API)
    session = acme.start("Session question")
    call("sessions_list")
    call("sessions_retrieve", session.pk)
    call("sessions_messages_retrieve", session.pk)
    call("sessions_messages_create", session.pk, body={"content": "On it", "type": "operator"})
    call(
        "sessions_identify_create",
        session.pk,
        body={"name": "Carol", "email": "carol@example.test"},
    )
    call("sessions_ai_create", session.pk, body={"enabled": False})
    call("sessions_close_create", session.pk)

    # Customers
    call("customers_list")
    call("customers_retrieve", customer)
    call("customers_partial_update", customer, body={"name": "Carol"})

    # Knowledge base
    article = call("knowledge_base_articles_create", body={"question": "Hours?", "answer": "9-5"})
    call("knowledge_base_articles_list")
    call("knowledge_base_articles_retrieve", article.id)
    call("knowledge_base_articles_update", article.id, body={"question": "Hours?", "answer": "9-6"})
    call("knowledge_base_articles_partial_update", article.id, body={"enabled": False})
    call("knowledge_base_articles_destroy", article.id)

    # Channels
    channel = call(
        "channels_create",
        who="owner",
        body={
            "kind": "api",
            "name": "Backend",
            "settings": {"webhook_url": "http://127.0.0.1:9/out"},
        },
    )
    call("channels_list", who="owner")
    call("channels_retrieve", channel.id, who="owner")
    call("channels_partial_update", channel.id, who="owner", body={"name": "Backend 2"})
    call("channels_connect_create", channel.id, who="owner")
    call(
        "channels_messages_create",
        channel.id,
        who="owner",
        body={"from": "user-1", "message_id": "m-1", "text": "Hi from the backend"},
    )
    call("channels_outbound_retrieve", channel.id, who="owner")
    call("channels_destroy", channel.id, who="owner")

    # Reports and exports
    call("reports_summary_retrieve", who="owner")
    call("reports_csv_retrieve", who="owner", report="totals")
    report = call("reports_exports_create", who="owner")
    eventually(lambda: call("reports_exports_retrieve", report.id, who="owner").status == "ready")
    call("reports_exports_download_retrieve", report.id, who="owner")
    export = call("exports_create", who="owner", body={"format": "json"})
    call("exports_list", who="owner")
    eventually(lambda: call("exports_retrieve", export.id, who="owner").status == "ready")
    call("exports_download_retrieve", export.id, who="owner")

    # Webhooks
    hook = call("webhooks_create", body={"url": receiver.url, "events": ["*"]})
    call("webhooks_list")
    call("webhooks_events_list")
    call("webhooks_retrieve", hook.id)
    call("webhooks_replace", hook.id, body={"url": receiver.url, "events": ["*"]})
    call("webhooks_update", hook.id, body={"description": "CRM"})
    call("webhooks_disable", hook.id)
    call("webhooks_enable", hook.id)
    call("webhooks_rotate_secret", hook.id)
    test = call("webhooks_test", hook.id)
    call("webhooks_deliveries_list", hook.id)
    call("webhooks_deliveries_retrieve", hook.id, test.id)
    call("webhooks_deliveries_attempts_list", hook.id, test.id)
    eventually(lambda: call("webhooks_deliveries_retrieve", hook.id, test.id).status == "succeeded")
    call("webhooks_deliveries_replay", hook.id, test.id)
    call("webhooks_destroy", hook.id)

    # Destructive last
    call("labels_destroy", label.id)
    call("canned_responses_destroy", canned.id, who="owner")
    from conversations import actions

    duplicate = actions.create_customer(acme.business, name="Dup", email="dup@acme-mail.test")
    call("customers_merge_create", customer, body={"other_customer_id": duplicate.pk})
    call("customers_erase_create", customer, who="owner")

    assert sorted(set(call.operations) - call.called) == []
