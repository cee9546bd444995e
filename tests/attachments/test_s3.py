"""S3-compatible storage (django-storages) against moto's standalone S3 server on 127.0.0.1."""

import io
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from django.core.files.storage import storages
from django.test import Client
from rest_framework.test import APIClient

from attachments.models import Attachment
from tests.attachments import files
from tests.live import AsgiServer, free_port

pytestmark = pytest.mark.django_db

BUCKET = "pingback-test"


@pytest.fixture(scope="module")
def moto_server():
    port = free_port()
    exe = Path(sys.executable).with_name("moto_server")
    proc = subprocess.Popen(
        [str(exe), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("moto_server did not start") from None
            time.sleep(0.1)
    url = f"http://127.0.0.1:{port}"
    s3 = boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    s3.create_bucket(Bucket=BUCKET)
    yield url, s3
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def s3_storage(moto_server, settings):
    url, s3 = moto_server
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": url,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "location": "attachments",
                "addressing_style": "path",
                "default_acl": None,
                "querystring_auth": False,
                "file_overwrite": False,
            },
        },
    }
    assert type(storages["attachments"]).__name__ == "S3Storage"
    return s3


def keys(s3) -> set[str]:
    return {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_files_round_trip_through_s3_and_leave_with_their_conversation(
    acme, s3_storage, django_capture_on_commit_callbacks
):
    from attachments.actions import do_delete_conversation

    conv = acme.start()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {acme.raw_api_key}")
    png, pdf = io.BytesIO(files.png_bytes()), io.BytesIO(files.PDF)
    png.name, pdf.name = "shot.png", "invoice.pdf"
    resp = client.post(
        f"/api/v1/conversations/{conv.pk}/messages",
        {"file": [png, pdf], "agent_id": acme.agent.pk},
        format="multipart",
    )
    assert resp.status_code == 201, resp.content
    stored = keys(s3_storage)
    assert len(stored) == 3 and all(k.startswith("attachments/") for k in stored)
    pdf_att = Attachment.objects.get(content_type="application/pdf")
    obj = s3_storage.get_object(Bucket=BUCKET, Key=f"attachments/{pdf_att.file}")
    assert obj["Body"].read() == files.PDF
    url = resp.json()["attachments"][1]["url"]
    down = Client().get("/" + url.split("://", 1)[1].split("/", 1)[1])
    assert down.status_code == 200 and b"".join(down.streaming_content) == files.PDF
    with django_capture_on_commit_callbacks(execute=True):
        do_delete_conversation(conv)
    assert keys(s3_storage) == set()


@pytest.mark.django_db(transaction=True)
def test_a_live_server_on_s3_exchanges_a_screenshot_over_socketio(
    moto_server, django_db_blocker, acme, tmp_path
):
    """The whole widget flow (npm socket.io-client) against a server configured by the
    documented S3_* settings."""
    from tests.attachments.test_live import node
    from tests.realtime_sio.conftest import jwt_for

    url, s3 = moto_server
    port = free_port()
    with (
        django_db_blocker.unblock(),
        AsgiServer(
            port,
            REDIS_URL=None,
            SITE_URL=f"http://127.0.0.1:{port}",
            S3_BUCKET=BUCKET,
            S3_ENDPOINT_URL=url,
            S3_ACCESS_KEY_ID="test",
            S3_SECRET_ACCESS_KEY="test",
            S3_REGION="us-east-1",
            S3_PREFIX="live",
        ) as server,
    ):
        png = tmp_path / "shot.png"
        png.write_bytes(files.png_bytes(size=(300, 200)))
        seen = node(
            "attachments.mjs", server.url, acme.business.public_id, jwt_for(acme.agent), str(png)
        )
    assert seen["download"]["status"] == 200 and seen["download"]["type"] == "image/png"
    assert seen["thumbnail_status"] == 200
    live_keys = {k for k in keys(s3) if k.startswith("live/")}
    assert len(live_keys) == 2  # the re-encoded image and its thumbnail
