"""Backups (docs/operations.md, "Backups"): pg_dump a PingBack database with conversations,
pg_restore it into a fresh database, and the restored one serves the same conversations."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from contextlib import contextmanager

import httpx
import pytest

from tests.live import ROOT, AsgiServer
from tests.scaleout.cluster import demo
from tests.services import fresh_postgres_database, in_ci, pg_url, require_postgres

pytestmark = [pytest.mark.services, pytest.mark.timeout(300)]

PASSWORD = "backup-pass-1"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (bin/test installs Debian's postgresql-client)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return path


@contextmanager
def empty_database():
    """A new database with nothing in it (what a restore goes into), dropped afterwards."""
    import psycopg

    require_postgres()
    name = f"pb_restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_url("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield pg_url(name)
    finally:
        with psycopg.connect(pg_url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_for(database_url: str) -> AsgiServer:
    return AsgiServer(DATABASE_URL=database_url, REDIS_URL=None, CELERY_BROKER_URL=None)


def everything(server: AsgiServer, api_key: str) -> dict:
    """Every conversation with its messages, as the REST API serves them."""
    out = {}
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {api_key}"}, timeout=30
    ) as api:
        r = api.get("/api/v1/conversations", params={"limit": 100})
        assert r.status_code == 200, r.text
        conversations = next(v for v in r.json().values() if isinstance(v, list))
        for conv in conversations:
            r = api.get(f"/api/v1/conversations/{conv['id']}/messages", params={"limit": 100})
            assert r.status_code == 200, r.text
            messages = next(v for v in r.json().values() if isinstance(v, list))
            out[conv["id"]] = {"conversation": conv, "messages": messages}
    return out


def test_a_restored_dump_serves_the_same_conversations(tmp_path):
    pg_dump, pg_restore = tool("pg_dump"), tool("pg_restore")
    dump = tmp_path / "pingback.dump"
    with fresh_postgres_database() as source:
        info = demo(source, PASSWORD)
        api_key = info["api_key"]
        with server_for(source) as server:
            # Written through the API after the demo data: a conversation of our own.
            with httpx.Client(
                base_url=server.url, headers={"Authorization": f"Bearer {api_key}"}, timeout=30
            ) as api:
                customers = api.get("/api/v1/customers")
                assert customers.status_code == 200, customers.text
                customer = next(v for v in customers.json().values() if isinstance(v, list))[0]
                agents = api.get("/api/v1/agents")
                agent = next(v for v in agents.json().values() if isinstance(v, list))[0]
                conv = api.post(
                    "/api/v1/conversations",
                    json={
                        "customer_id": customer["id"],
                        "message": "Back me up",
                        "agent_id": agent["id"],
                    },
                )
                assert conv.status_code == 201, conv.text
            before = everything(server, api_key)
        # The documented backup command (docs/operations.md).
        subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", "--file", str(dump), source],
            check=True,
            timeout=120,
        )
    assert conv.json()["id"] in before and len(before) >= 2
    assert any(m["content"] == "Back me up" for m in before[conv.json()["id"]]["messages"])

    with empty_database() as target:
        # The documented restore command, into a new empty database.
        subprocess.run(
            [pg_restore, "--no-owner", "--exit-on-error", "--dbname", target, str(dump)],
            check=True,
            timeout=120,
        )
        # Nothing left to migrate: the dump carried the schema and its migration history.
        migrated = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--check", "--noinput"],
            cwd=ROOT,
            env=server_for(target).env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        with server_for(target) as restored:
            after = everything(restored, api_key)  # the same API key still works
    assert after == before
