"""A real server: the npm socket.io-client sends an uploaded screenshot, and a 1 GB upload is
cut off early without the server's memory growing."""

import json
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.attachments import files
from tests.live import AsgiServer, free_port
from tests.realtime_sio.conftest import jwt_for

pytestmark = pytest.mark.django_db(transaction=True)

JS = Path(__file__).resolve().parent.parent / "js"


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    port = free_port()
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        AsgiServer(
            port, REDIS_URL=None, MEDIA_ROOT=str(media), SITE_URL=f"http://127.0.0.1:{port}"
        ) as srv,
    ):
        yield srv


def node(script: str, *args, cwd=JS) -> dict:
    assert shutil.which("node"), "Node.js is required for the socket.io-client test"
    if not (JS / "node_modules" / "socket.io-client").exists():
        subprocess.run(["npm", "ci", "--silent", "--no-audit", "--no-fund"], cwd=JS, check=True)
    done = subprocess.run(
        ["node", script, *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stdout + done.stderr
    return json.loads(lines[0].removeprefix("RESULT "))


def test_socketio_client_sends_an_uploaded_screenshot(server, acme, tmp_path):
    png = tmp_path / "shot.png"
    png.write_bytes(files.png_bytes(size=(400, 300)))
    seen = node(
        "attachments.mjs", server.url, acme.business.public_id, jwt_for(acme.agent), str(png)
    )
    live = seen["live"]
    assert live["sender_type"] == "customer" and live["content_type"] == "attachment"
    assert live["text"] == "the error"
    (att,) = live["attachments"]
    assert att["id"] == seen["attachment_id"] and live["content"] == att["url"]
    assert att["url"].startswith(server.url + "/attachments/v.")
    assert (att["name"], att["content_type"], att["width"], att["height"]) == (
        "screenshot.png",
        "image/png",
        400,
        300,
    )
    assert seen["ack"]["attachments"] == live["attachments"]
    assert seen["download"] == {"status": 200, "type": "image/png", "size": att["size"]}
    assert seen["anonymous_status"] == 404
    assert seen["thumbnail_status"] == 200 and seen["thumbnail_type"] == "image/jpeg"
    # The same attachment cannot be sent twice.
    assert seen["resend"]["ok"] is False
    assert seen["resend"]["error"]["code"] == "ATTACHMENT_NOT_FOUND"


def _rss_peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_a_1gb_upload_is_cut_off_early_without_filling_memory(server, acme, settings):
    """Streamed from a generator (nothing allocates 1 GB): chunked, so no Content-Length."""
    conv = acme.start()
    sent = 0
    chunk = b"\0" * (1024 * 1024)

    def body():
        nonlocal sent
        yield (
            b'--XX\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
        )
        for _ in range(1024):
            sent += len(chunk)
            yield chunk

    before = _rss_peak_kb(server.proc.pid)
    started = time.monotonic()
    status = None
    try:
        resp = httpx.post(
            f"{server.url}/api/v1/conversations/{conv.pk}/messages",
            content=body(),
            headers={
                "Content-Type": "multipart/form-data; boundary=XX",
                "Authorization": f"Bearer {acme.raw_api_key}",
            },
            timeout=30,
        )
        status = resp.status_code
        assert resp.json()["code"] == "ATTACHMENT_TOO_LARGE"
    except (httpx.WriteError, httpx.ReadError, httpx.RemoteProtocolError):
        status = "closed"  # the server answered 413 and closed while we were still writing
    elapsed = time.monotonic() - started
    limit = settings.ATTACHMENTS_MAX_REQUEST_BYTES
    assert status in (413, "closed")
    assert sent < limit + 64 * 1024 * 1024, f"the server read {sent} bytes"
    assert elapsed < 20
    grown_mb = (_rss_peak_kb(server.proc.pid) - before) / 1024
    assert grown_mb < 64, f"server memory peak grew by {grown_mb:.0f} MB"
    # With a declared length, the refusal comes before any body byte is read.
    raw = _raw_request_with_length(server.port, 1024**3)
    assert raw.startswith(b"HTTP/1.1 413")
    # The server still serves.
    assert httpx.get(f"{server.url}/healthz").status_code == 200


def _raw_request_with_length(port: int, length: int) -> bytes:
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"POST /attachments/widget/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=XX\r\n"
            + f"Content-Length: {length}\r\n\r\n".encode()
        )
        return sock.recv(4096)
