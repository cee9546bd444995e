"""The one ASGI app under its web server (pingback.server): Django HTTP, static files,
Socket.IO and probes."""

import json
import urllib.error
import urllib.request

import pytest

from tests.live import AsgiServer


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def server(transactional_db):
    with AsgiServer() as srv:
        yield srv


def test_one_process_serves_probes_admin_static_and_socketio(server):
    status, body = get(server.url + "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    status, body = get(server.url + "/readyz")
    assert status == 200 and json.loads(body)["checks"]["database"] == "ok"
    status, body = get(server.url + "/admin/login/")
    assert status == 200 and b"Django" in body
    status, _ = get(server.url + "/static/admin/css/base.css")
    assert status == 200
    status, body = get(server.url + "/socket.io/?EIO=4&transport=polling")
    assert status == 200 and b'"sid"' in body


def test_readyz_reports_an_unreachable_redis(transactional_db):
    with AsgiServer(REDIS_URL="redis://127.0.0.1:1/0") as srv:
        status, body = get(srv.url + "/readyz")
    assert status == 503
    report = json.loads(body)
    assert report["checks"]["database"] == "ok" and report["checks"]["redis"] != "ok"
