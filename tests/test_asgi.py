"""The one ASGI app under its web server (pingback.server): Django HTTP, static files,
Socket.IO and probes."""

import http.client
import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from websockets.sync.client import connect

from tests.live import ROOT, AsgiServer, server_env


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


def negotiated_extensions(url: str) -> str | None:
    """Open a Socket.IO WebSocket offering permessage-deflate, as browsers do; the server's
    answer (``Sec-WebSocket-Extensions``)."""
    ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    with connect(ws_url, compression="deflate", open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10)[1:])["sid"]  # Engine.IO's open packet
        return ws.response.headers.get("Sec-WebSocket-Extensions")


def test_websocket_compression_is_declined_unless_configured(server):
    # Off by default: a per-connection zlib context and a compression per frame and receiver.
    assert negotiated_extensions(server.url) is None
    with AsgiServer(WEBSOCKET_COMPRESSION="true") as compressing:
        assert "permessage-deflate" in negotiated_extensions(compressing.url)


def test_a_bad_compression_setting_stops_the_server_with_its_name():
    result = subprocess.run(
        [sys.executable, "-m", "pingback.server", "--port", "1"],
        cwd=ROOT,
        env=server_env(WEBSOCKET_COMPRESSION="sometimes"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "WEBSOCKET_COMPRESSION='sometimes' is not a boolean" in result.stderr


def test_a_stopping_server_answers_pending_long_polls_at_once(transactional_db):
    """A restart does not wait out its graceful period (10 s) for Socket.IO long polls: each
    pending poll gets Engine.IO's close packet at once, and the process exits."""
    server = AsgiServer().start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        path = "/socket.io/?EIO=4&transport=polling"
        conn.request("GET", path)
        opened = conn.getresponse().read().decode()
        sid = json.loads(opened[1:])["sid"]  # "0{...}": Engine.IO's open packet
        # The poll waits for a packet (up to the 25 s ping interval) on the same connection.
        conn.request("GET", f"{path}&sid={sid}")
        stopped_at = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        answer = conn.getresponse()
        assert answer.status == 200 and answer.read().decode() == "1"  # the close packet
        # uvicorn re-raises the signal it handled once it has stopped (as systemd expects).
        assert server.proc.wait(timeout=30) in (0, -signal.SIGTERM)
        assert time.monotonic() - stopped_at < 5, "the stop waited for the poll"
    finally:
        server.stop()
