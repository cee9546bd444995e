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
            with httpx.Client(base_url=server.url, timeout=10) as client:
                login(client, info["owner"]["email"], "outage-pass-1")
                page = "/admin/conversations/conversation/"
                assert client.get(page).status_code == 200
                proxy.cut()
                ready = wait_for_status(client, "/readyz", 503)
                assert ready.json()["checks"]["database"] != "ok"
                response = client.get(page)
                assert response.status_code == 503
                assert response.json()["code"] == "SERVICE_UNAVAILABLE"
                assert response.headers["Retry-After"] == "5"
                proxy.start()
                assert wait_for_status(client, "/readyz", 200).status_code == 200
                recovered = client.get(page)
                assert recovered.status_code == 200 and "Jane Smith" in recovered.text
        finally:
            server.stop()
            proxy.close()
