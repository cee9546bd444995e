"""Exports: a background task writes the business's customers, conversations and messages as
JSON or a zip of CSVs; managers of that business download it (REST, inbox, admin)."""

import csv
import io
import json
import zipfile

import pytest
from django.test import Client

from conversations import actions
from pingback.tasks import wait_for_local_tasks
from privacy.models import DataExport
from tests.api.conftest import assert_error, client_for

pytestmark = pytest.mark.django_db(transaction=True)  # the task runs after a real commit


@pytest.fixture
def history(acme, globex):
    for tenant in (acme, globex):
        for i in range(3):
            conv = tenant.start(f"{tenant.business.name} question {i}")
            actions.do_post_message(
                conv, sender_type="agent", content="é answer", agent=tenant.agent
            )
    return acme


def finished(api, export_id) -> dict:
    wait_for_local_tasks()
    body = api.get(f"/api/v1/exports/{export_id}").json()
    assert body["status"] == "ready", body
    return body


def test_json_export_over_rest(history, globex):
    api = client_for(history, "owner")
    queued = api.post("/api/v1/exports", {"format": "json"})
    assert queued.status_code == 202, queued.content
    assert queued.json()["status"] == "pending" and queued.json()["download_url"] is None
    body = finished(api, queued.json()["id"])
    assert (body["customers"], body["conversations"], body["messages"]) == (1, 3, 6)
    resp = api.get(body["download_url"])
    assert resp.status_code == 200
    assert resp["Content-Disposition"].startswith("attachment")
    data = json.loads(b"".join(resp.streaming_content))
    assert data["business"]["id"] == history.business.public_id
    assert {m["content"] for m in data["messages"]} >= {"é answer", "Acme Inc question 0"}
    assert "Globex" not in json.dumps(data)
    # Another business sees neither the export nor its file.
    other = client_for(globex, "owner")
    assert_error(other.get(f"/api/v1/exports/{body['id']}"), 404, "EXPORT_NOT_FOUND")
    assert_error(other.get(body["download_url"]), 404, "EXPORT_NOT_FOUND")
    assert other.get("/api/v1/exports").json()["results"] == []


def test_csv_export_is_a_zip_of_three_tables(history):
    api = client_for(history, "key")
    body = finished(api, api.post("/api/v1/exports", {"format": "csv"}).json()["id"])
    raw = b"".join(api.get(body["download_url"]).streaming_content)
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        assert sorted(zf.namelist()) == ["conversations.csv", "customers.csv", "messages.csv"]
        messages = list(csv.DictReader(io.TextIOWrapper(zf.open("messages.csv"), "utf-8")))
    assert len(messages) == 6 and messages[1]["content"] == "é answer"


def test_bad_input_and_roles(history):
    api = client_for(history, "owner")
    assert_error(api.post("/api/v1/exports", {"format": "xml"}), 400, "VALIDATION_ERROR")
    assert_error(api.post("/api/v1/exports", [1], format="json"), 400, "VALIDATION_ERROR")
    assert_error(api.get("/api/v1/exports/abc"), 404, "EXPORT_NOT_FOUND")
    assert_error(client_for(history, "agent").post("/api/v1/exports", {}), 403, "FORBIDDEN")
    pending = DataExport.objects.create(business=history.business, requested_by="test")
    assert_error(api.get(f"/api/v1/exports/{pending.pk}/download"), 409, "EXPORT_NOT_READY")


def test_inbox_and_admin_export_pages(history, globex):
    owner = Client()
    owner.force_login(history.owner.user)
    assert owner.post("/inbox/exports/", {"format": "csv"}).status_code == 302
    wait_for_local_tasks()
    page = owner.get("/inbox/exports/").content.decode()
    export = DataExport.objects.get(business=history.business)
    assert export.status == "ready" and f"/inbox/exports/{export.pk}/" in page
    got = owner.get(f"/inbox/exports/{export.pk}/")
    assert got.status_code == 200 and got["Content-Type"] == "application/zip"
    agent = Client()
    agent.force_login(history.agent.user)
    assert agent.get("/inbox/exports/", HTTP_ACCEPT="application/json").status_code == 403
    foreign = Client()
    foreign.force_login(globex.owner.user)
    assert foreign.get(f"/inbox/exports/{export.pk}/").status_code == 404
    # The admin: an action on businesses, a download link on the export list.
    user = history.owner.user
    user.is_staff = user.is_superuser = True
    user.save()
    resp = owner.post(
        "/admin/conversations/business/",
        {"action": "export_json", "_selected_action": [history.business.pk]},
    )
    assert resp.status_code == 302
    wait_for_local_tasks()
    latest = DataExport.objects.filter(business=history.business, format="json").get()
    listing = owner.get("/admin/privacy/dataexport/").content.decode()
    link = f"/admin/privacy/dataexport/{latest.pk}/download/"
    assert link in listing
    data = json.loads(b"".join(owner.get(link).streaming_content))
    assert len(data["conversations"]) == 3


def test_old_exports_are_deleted_with_their_files(history, settings, export_storage):
    from datetime import timedelta

    from django.utils import timezone

    from privacy.tasks import delete_old_exports

    api = client_for(history, "owner")
    old = finished(api, api.post("/api/v1/exports", {"format": "json"}).json()["id"])
    new = finished(api, api.post("/api/v1/exports", {"format": "csv"}).json()["id"])
    files = {e.pk: e.file for e in DataExport.objects.all()}
    assert all((export_storage / name).exists() for name in files.values())
    DataExport.objects.filter(pk=old["id"]).update(
        created_at=timezone.now() - timedelta(days=settings.EXPORTS_RETENTION_DAYS, hours=1)
    )
    assert delete_old_exports() == 1
    assert list(DataExport.objects.values_list("pk", flat=True)) == [new["id"]]
    assert not (export_storage / files[old["id"]]).exists()
    assert (export_storage / files[new["id"]]).exists()
    assert_error(api.get(old["download_url"]), 404, "EXPORT_NOT_FOUND")
