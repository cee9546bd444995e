"""PostgreSQL briefly unreachable: clear 503s, nothing half-written, recovery by itself."""

import json
import os
import subprocess
import sys
import time

import httpx
import pytest

from tests.live import ROOT, AsgiServer
from tests.services import TcpProxy, fresh_postgres_database, pg_url

pytestmark = pytest.mark.services


def demo(database_url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url}
    out = subprocess.run(
        [sys.executable, "manage.py", "demo", "--json", "--password", "outage-pass-1"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return json.loads(out.stdout)


def wait_for_status(client: httpx.Client, path: str, status: int, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(path)
        if response.status_code == status or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def message_count(api: httpx.Client, conversation_id: int) -> int:
    response = api.get(f"/conversations/{conversation_id}", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["message_count"]


def login(client: httpx.Client, email: str, password: str) -> None:
    client.get("/admin/login/")
    response = client.post(
        "/admin/login/?next=/admin/",
        data={
            "username": email,
            "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
            "next": "/admin/",
        },
        headers={"Referer": str(client.base_url) + "/admin/login/"},
    )
    assert response.status_code == 302, response.text[:500]


def test_database_outage_answers_503_and_recovers():
    with fresh_postgres_database() as url:
        info = demo(url)
        dbname = url.rsplit("/", 1)[1]
        proxy = TcpProxy("127.0.0.1", 5432).start()
        server = AsgiServer(DATABASE_URL=pg_url(dbname, port=proxy.port)).start()
        try:
            with (
                httpx.Client(base_url=server.url, timeout=10) as client,
                httpx.Client(
                    base_url=server.url + "/api/v1",
                    timeout=10,
                    headers={"Authorization": f"Bearer {info['api_key']}"},
                ) as api,
            ):
                login(client, info["owner"]["email"], "outage-pass-1")
                page = "/admin/conversations/conversation/"
                assert client.get(page).status_code == 200
                conv_id = api.get("/conversations").json()["results"][0]["id"]
                agent_id = api.get("/agents").json()["results"][0]["id"]
                before = message_count(api, conv_id)
                write = {"content": "Sent while the database is away", "agent_id": agent_id}
                key = {"Idempotency-Key": "outage-write-1"}
                proxy.cut()
                ready = wait_for_status(client, "/readyz", 503)
                assert ready.json()["checks"]["database"] != "ok"
                response = client.get(page)
                assert response.status_code == 503
                assert response.json()["code"] == "SERVICE_UNAVAILABLE"
                assert response.headers["Retry-After"] == "5"
                # A REST write during the outage: a clear 503 in the API's error shape.
                failed = api.post(f"/conversations/{conv_id}/messages", json=write, headers=key)
                assert failed.status_code == 503, failed.text
                assert failed.json() == {
                    "error": "Service unavailable",
                    "message": "The database is unreachable; retry shortly.",
                    "code": "SERVICE_UNAVAILABLE",
                }
                assert failed.headers["Retry-After"] == "5"
                proxy.start()
                assert wait_for_status(client, "/readyz", 200).status_code == 200
                recovered = client.get(page)
                assert recovered.status_code == 200 and "Jane Smith" in recovered.text
                # Nothing half-written: the failed write left no message behind...
                assert message_count(api, conv_id) == before
                # ...so its retry (same Idempotency-Key) creates it now, once.
                retried = api.post(f"/conversations/{conv_id}/messages", json=write, headers=key)
                assert retried.status_code == 201, retried.text
                assert message_count(api, conv_id) == before + 1
        finally:
            server.stop()
            proxy.close()
