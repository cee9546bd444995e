"""Uploads and downloads over HTTP (Django's test client): REST multipart, the widget and the
inbox endpoints, hostile files, access control and the errors of every limit."""

import io

import pytest
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from attachments import links
from attachments.models import Attachment
from conversations import actions
from conversations.models import Message
from realtime import session_tokens
from tests.attachments import files
from tests.attachments.conftest import stored_files

pytestmark = pytest.mark.django_db


def api(tenant) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tenant.raw_api_key}")
    return client


def upload(name: str, data: bytes):
    f = io.BytesIO(data)
    f.name = name
    return f


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1] if "://" in url else url


def get(client, url: str, **extra):
    return client.get(path_of(url), **extra)


def widget_upload(client, tenant, conv, name, data, token=None):
    return client.post(
        "/attachments/widget/upload",
        {
            "business_id": tenant.business.public_id,
            "conversation_id": conv.pk,
            "session_token": token or session_tokens.issue(tenant.business.pk, conv.customer_id),
            "file": upload(name, data),
        },
    )


def test_rest_multipart_sends_a_captioned_image_and_a_pdf(acme):
    conv = acme.start()
    resp = api(acme).post(
        f"/api/v1/conversations/{conv.pk}/messages",
        {
            "file": [upload("shot.png", files.png_bytes()), upload("invoice.pdf", files.PDF)],
            "content": "Here you go",
            "agent_id": acme.agent.pk,
        },
        format="multipart",
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["content_type"] == "attachment" and body["content"] == "Here you go"
    image, pdf = body["attachments"]
    assert (image["name"], image["content_type"], image["width"]) == ("shot.png", "image/png", 64)
    assert image["thumbnail_url"] and pdf["thumbnail_url"] is None
    assert pdf["content_type"] == "application/pdf" and pdf["size"] == len(files.PDF)
    # REST URLs carry their own signature: no session needed.
    down = get(Client(), pdf["url"])
    assert down.status_code == 200
    assert b"".join(down.streaming_content) == files.PDF
    assert down["Content-Disposition"].startswith("attachment;")
    assert down["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in down["Content-Security-Policy"]
    img = get(Client(), image["url"])
    assert img.status_code == 200 and img["Content-Type"] == "image/png"
    assert img["Content-Disposition"].startswith("inline")


def test_pocketping_session_multipart_as_the_visitor(acme):
    conv = acme.start()
    resp = api(acme).post(
        f"/api/v1/sessions/{conv.pk}/messages",
        {"file": upload("a.png", files.png_bytes()), "type": "visitor"},
        format="multipart",
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["type"] == "visitor" and body["text"] == ""
    assert body["content"] == body["attachments"][0]["url"]
    assert body["attachments"][0]["contentType"] == "image/png"
    att = Attachment.objects.get()
    assert att.uploader_type == "customer" and att.message_id == int(body["id"])


def test_rest_errors_too_large_wrong_type_too_many(acme, settings):
    conv = acme.start()
    client, url = api(acme), f"/api/v1/conversations/{conv.pk}/messages"
    settings.ATTACHMENTS_MAX_BYTES = 1000
    big = client.post(
        url,
        {"file": upload("big.pdf", files.PDF + b"x" * 2000), "agent_id": acme.agent.pk},
        format="multipart",
    )
    assert big.status_code == 413 and big.json()["code"] == "ATTACHMENT_TOO_LARGE"
    settings.ATTACHMENTS_MAX_BYTES = 10_000_000
    exe = client.post(
        url,
        {"file": upload("x.png", b"MZ\x90\x00" + b"\x00" * 100), "agent_id": acme.agent.pk},
        format="multipart",
    )
    assert exe.status_code == 415 and exe.json()["code"] == "ATTACHMENT_TYPE_NOT_ALLOWED"
    settings.ATTACHMENTS_MAX_PER_MESSAGE = 2
    many = client.post(
        url,
        {"file": [upload(f"{i}.pdf", files.PDF) for i in range(3)], "agent_id": acme.agent.pk},
        format="multipart",
    )
    assert many.status_code == 400 and many.json()["code"] == "TOO_MANY_ATTACHMENTS"
    assert not Message.objects.filter(content_type="attachment").exists()
    assert not Attachment.objects.exists()


def test_rest_multipart_on_a_foreign_conversation_is_404(acme, globex):
    conv = globex.start()
    resp = api(acme).post(
        f"/api/v1/conversations/{conv.pk}/messages",
        {"file": upload("a.pdf", files.PDF), "agent_id": acme.agent.pk},
        format="multipart",
    )
    assert resp.status_code == 404
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("pretty.png", files.HTML_AS_PNG),
        ("logo.svg", files.SVG_WITH_SCRIPT),
        ("logo.png", files.SVG_WITH_SCRIPT),
        ("page.txt", b"  <html><script>alert(1)</script>"),
    ],
)
def test_hostile_markup_is_refused_whatever_its_name(acme, name, data, settings):
    conv = acme.start()
    resp = widget_upload(Client(), acme, conv, name, data)
    assert resp.status_code == 415, resp.content
    assert resp.json()["code"] == "ATTACHMENT_TYPE_NOT_ALLOWED"
    assert resp["Access-Control-Allow-Origin"] == "*"
    assert not Attachment.objects.exists()


def test_svg_allowed_by_settings_is_still_never_rendered_by_pingback(acme, settings):
    """Even if an operator allowed more types, a non-image download is an attachment."""
    settings.ATTACHMENTS_ALLOWED_TYPES = [
        *settings.ATTACHMENTS_ALLOWED_TYPES,
        "text/html",
        "image/svg+xml",
    ]
    conv = acme.start()
    resp = widget_upload(Client(), acme, conv, "x.svg", files.SVG_WITH_SCRIPT)
    assert resp.status_code == 201, resp.content
    att = resp.json()["attachments"][0]
    token = session_tokens.issue(acme.business.pk, conv.customer_id)
    down = get(Client(), att["url"] + f"?session={token}")
    assert down.status_code == 200
    assert down["Content-Type"] == "application/octet-stream"
    assert down["Content-Disposition"].startswith("attachment;")
    assert down["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in down["Content-Security-Policy"]


def test_decompression_bomb_is_refused(acme, settings):
    settings.ATTACHMENTS_MAX_IMAGE_PIXELS = 1_000_000
    conv = acme.start()
    bomb = files.bomb_png(side=5000)  # 25 Mpx in a few kB
    assert len(bomb) < 50_000
    resp = widget_upload(Client(), acme, conv, "bomb.png", bomb)
    assert resp.status_code == 415
    assert resp.json()["code"] == "ATTACHMENT_IMAGE_TOO_LARGE"


def test_images_are_re_encoded_without_exif_and_get_a_thumbnail(acme, attachment_storage):
    conv = acme.start()
    jpeg = files.png_bytes(size=(800, 600), exif_gps=True)
    assert Image.open(io.BytesIO(jpeg)).getexif()
    resp = widget_upload(Client(), acme, conv, "IMG_0001.JPG", jpeg)
    assert resp.status_code == 201
    att = Attachment.objects.get()
    with attachment_storage.open(att.file) as fh:
        stored = Image.open(io.BytesIO(fh.read()))
    assert stored.format == "JPEG" and not stored.getexif()
    assert (att.width, att.height, att.content_type) == (800, 600, "image/jpeg")
    with attachment_storage.open(att.thumbnail) as fh:
        assert max(Image.open(fh).size) == 320


def test_widget_upload_needs_the_conversations_session(acme, globex):
    conv = acme.start()
    other = actions.create_customer(acme.business, name="Mallory", email="m@x.test")
    wrong_customer = session_tokens.issue(acme.business.pk, other.pk)
    resp = widget_upload(Client(), acme, conv, "a.pdf", files.PDF, token=wrong_customer)
    assert resp.status_code == 404
    foreign = session_tokens.issue(globex.business.pk, globex.customer.pk)
    resp = widget_upload(Client(), acme, conv, "a.pdf", files.PDF, token=foreign)
    assert resp.status_code == 401 and resp.json()["code"] == "SESSION_INVALID"
    resp = Client().post(
        "/attachments/widget/upload",
        {"business_id": acme.business.public_id, "conversation_id": conv.pk},
    )
    assert resp.status_code == 401
    preflight = Client().options("/attachments/widget/upload")
    assert preflight.status_code == 204
    assert "X-Widget-Session" in preflight["Access-Control-Allow-Headers"]
    assert not Attachment.objects.exists()


def _customer_image(acme):
    conv = acme.start()
    token = session_tokens.issue(acme.business.pk, conv.customer_id)
    resp = widget_upload(Client(), acme, conv, "shot.png", files.png_bytes(), token=token)
    att_id = resp.json()["attachments"][0]["id"]
    message, _ = actions.do_post_message(
        conv, sender_type="customer", content="", attachments=[att_id]
    )
    from conversations.snapshots import message_snapshot

    return conv, token, message_snapshot(message)["attachments"][0]


def test_view_urls_need_the_customer_or_a_staff_member_who_may_see(acme, globex):
    conv, token, att = _customer_image(acme)
    assert get(Client(), att["url"] + f"?session={token}").status_code == 200
    assert get(Client(), att["thumbnail_url"] + f"?session={token}").status_code == 200
    # Anonymous, another customer of the same business, another business: 404.
    assert get(Client(), att["url"]).status_code == 404
    other = actions.create_customer(acme.business, name="Eve", email="eve@x.test")
    eve = session_tokens.issue(acme.business.pk, other.pk)
    assert get(Client(), att["url"] + f"?session={eve}").status_code == 404
    foreign = session_tokens.issue(globex.business.pk, globex.customer.pk)
    assert get(Client(), att["url"] + f"?session={foreign}").status_code == 404
    staff = Client()
    staff.force_login(acme.agent.user)
    assert get(staff, att["url"]).status_code == 200  # open and unassigned: every agent
    outsider = Client()
    outsider.force_login(globex.owner.user)
    assert get(outsider, att["url"]).status_code == 404
    # Assigned to someone else: a plain agent no longer sees it; a manager does.
    actions.do_assign(conv, acme.other_agent, actor=actions.Actor.of_agent(acme.owner))
    assert get(staff, att["url"]).status_code == 404
    manager = Client()
    manager.force_login(acme.admin.user)
    assert get(manager, att["url"]).status_code == 200


def test_tampered_and_expired_signatures_are_404(acme, monkeypatch):
    _conv, token, att = _customer_image(acme)
    url = att["url"]
    tampered = url.replace("/attachments/v.", "/attachments/l.")
    assert get(Client(), tampered).status_code == 404
    link = links.url(att["id"], att["name"], links.LINK)
    assert get(Client(), link).status_code == 200
    import time

    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 8 * 86400)
    old_link = links.url(att["id"], att["name"], links.LINK)
    old_view = links.url(att["id"], att["name"], links.VIEW)
    monkeypatch.setattr(time, "time", real)
    assert get(Client(), old_link).status_code == 404
    assert get(Client(), old_view + f"?session={token}").status_code == 404
    assert get(Client(), "/attachments/v.nonsense/x.png").status_code == 404


def test_an_attachment_is_sent_once_by_its_side_in_its_conversation(acme):
    conv, token, att = _customer_image(acme)
    from attachments.actions import AttachmentNotFound

    with pytest.raises(AttachmentNotFound):  # already attached
        actions.do_post_message(conv, sender_type="customer", content="", attachments=[att["id"]])
    resp = widget_upload(Client(), acme, conv, "b.pdf", files.PDF, token=token)
    fresh = resp.json()["attachments"][0]["id"]
    with pytest.raises(AttachmentNotFound):  # the customer's upload is not the agent's
        actions.do_post_message(
            conv, sender_type="agent", agent=acme.agent, content="", attachments=[fresh]
        )
    other_conv = acme.start(text="another")
    with pytest.raises(AttachmentNotFound):
        actions.do_post_message(other_conv, sender_type="customer", content="", attachments=[fresh])


def test_inbox_upload_and_send_with_csrf(acme, globex):
    conv = acme.start()
    client = Client(enforce_csrf_checks=True)
    client.force_login(acme.agent.user)
    page = client.get(f"/inbox/c/{conv.pk}/")
    csrf = page.cookies["csrftoken"].value
    no_csrf = client.post(
        f"/attachments/inbox/c/{conv.pk}/upload", {"file": upload("a.pdf", files.PDF)}
    )
    assert no_csrf.status_code == 403
    up = client.post(
        f"/attachments/inbox/c/{conv.pk}/upload",
        {"file": upload("a.pdf", files.PDF)},
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert up.status_code == 201, up.content
    att_id = up.json()["attachments"][0]["id"]
    sent = client.post(
        f"/attachments/inbox/c/{conv.pk}/send",
        {"attachments": [att_id], "content": "the invoice"},
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert sent.status_code == 201, sent.content
    message = sent.json()["message"]
    assert message["text"] == "the invoice" and message["attachments"][0]["name"] == "a.pdf"
    assert message["content"] == message["attachments"][0]["url"]
    bad = client.post(
        f"/attachments/inbox/c/{conv.pk}/upload",
        {"file": upload("a.html", files.HTML_AS_PNG)},
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert bad.status_code == 415 and bad.json()["code"] == "ATTACHMENT_TYPE_NOT_ALLOWED"
    foreign = globex.start()
    resp = client.post(
        f"/attachments/inbox/c/{foreign.pk}/upload",
        {"file": upload("a.pdf", files.PDF)},
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert resp.status_code == 404


def test_deleting_a_conversation_or_customer_deletes_their_files(
    acme, attachment_storage, django_capture_on_commit_callbacks
):
    from attachments.actions import do_delete_conversation, do_delete_customer

    conv, _token, _att = _customer_image(acme)
    kept_conv = acme.start(customer=actions.create_customer(acme.business, name="K", email=""))
    kept = widget_upload(
        Client(),
        acme,
        kept_conv,
        "k.pdf",
        files.PDF,
        token=session_tokens.issue(acme.business.pk, kept_conv.customer_id),
    )
    assert kept.status_code == 201
    before = stored_files(attachment_storage)
    assert len(before) == 3  # image, its thumbnail, the other customer's PDF
    with django_capture_on_commit_callbacks(execute=True):
        do_delete_conversation(conv)
    after = stored_files(attachment_storage)
    assert len(after) == 1 and not Attachment.objects.filter(conversation_id=conv.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        do_delete_customer(kept_conv.customer)
    assert stored_files(attachment_storage) == set()


def test_beat_deletes_orphaned_uploads(
    acme, attachment_storage, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from attachments.tasks import delete_orphaned_attachments

    conv, token, _att = _customer_image(acme)
    orphan = widget_upload(Client(), acme, conv, "o.pdf", files.PDF, token=token).json()
    Attachment.objects.filter(pk=orphan["attachments"][0]["id"]).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    fresh = widget_upload(Client(), acme, conv, "f.pdf", files.PDF, token=token)
    with django_capture_on_commit_callbacks(execute=True):
        assert delete_orphaned_attachments() == 1
    names = {a.original_name for a in Attachment.objects.all()}
    assert names == {"shot.png", "f.pdf"} and fresh.status_code == 201
    assert len(stored_files(attachment_storage)) == 3
    from django.conf import settings

    assert "attachments-orphans" in settings.CELERY_BEAT_SCHEDULE


def test_quota_per_business(acme, settings):
    from attachments.actions import usage_bytes

    conv = acme.start()
    settings.ATTACHMENTS_QUOTA_BYTES = len(files.PDF) + 10
    assert widget_upload(Client(), acme, conv, "a.pdf", files.PDF).status_code == 201
    resp = widget_upload(Client(), acme, conv, "b.pdf", files.PDF)
    assert resp.status_code == 413 and resp.json()["code"] == "ATTACHMENT_QUOTA_EXCEEDED"
    assert usage_bytes(acme.business) == len(files.PDF)


def test_admin_reports_storage_per_business_against_the_quota(acme, globex, settings):
    settings.ATTACHMENTS_QUOTA_BYTES = 1000
    conv = acme.start()
    assert widget_upload(Client(), acme, conv, "a.pdf", files.PDF).status_code == 201
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", "root@x.test", "pw")
    client = Client()
    client.force_login(root)
    page = client.get("/admin/attachments/businessstorage/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Acme Inc" in html and "193\xa0bytes" in html and "19.3 %" in html
    assert client.get("/admin/attachments/attachment/").status_code == 200
