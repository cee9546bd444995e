"""REST pieces for attachment messages: multipart sends on the conversation and session
message endpoints (files plus an optional caption), and the attachment output shape."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from attachments import links
from attachments.views import upload_all, upload_too_large, uploaded_files
from conversations import errors


class AttachmentOut(serializers.Serializer):
    """A file of a message; ``url``/``thumbnail_url`` carry their own signature and expire after
    ``ATTACHMENTS_LINK_MAX_AGE`` seconds (7 days by default)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    url = serializers.URLField()
    thumbnail_url = serializers.URLField(allow_null=True)
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)


class PocketPingAttachmentOut(serializers.Serializer):
    """A file of a message (camelCase); the URLs carry their own expiring signature."""

    id = serializers.CharField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    contentType = serializers.CharField()
    url = serializers.URLField()
    thumbnailUrl = serializers.URLField(allow_null=True)
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)


class MultipartMessage(serializers.Serializer):
    """``multipart/form-data``: one or more ``file`` parts and an optional caption."""

    file = serializers.ListField(
        child=serializers.FileField(),
        help_text="The file(s): repeat the part for several (ATTACHMENTS_MAX_PER_MESSAGE).",
    )
    content = serializers.CharField(required=False, allow_blank=True, help_text="Caption.")
    client_id = serializers.CharField(required=False, max_length=100)
    agent_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class MultipartSessionMessage(serializers.Serializer):
    file = serializers.ListField(child=serializers.FileField())
    content = serializers.CharField(required=False, allow_blank=True, help_text="Caption.")
    type = serializers.ChoiceField(
        choices=["visitor", "operator"], required=False, default="operator"
    )
    agentId = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    clientId = serializers.CharField(required=False, max_length=100)


MULTIPART_EXAMPLE = OpenApiExample(
    "Send a screenshot with a caption",
    description=(
        "curl -X POST $URL -H 'Authorization: Bearer $KEY' "
        "-F file=@screenshot.png -F content='Here it is' -F agent_id=3"
    ),
    value={"file": "(binary screenshot.png)", "content": "Here it is", "agent_id": 3},
    media_type="multipart/form-data",
    request_only=True,
)


def is_multipart(request) -> bool:
    return (request.content_type or "").startswith("multipart/form-data")


def parse_multipart(request, serializer_class, content_field: str = "content"):
    """``(validated data, files)`` of a multipart send; the caption may be empty."""
    too_large = upload_too_large(request)
    if too_large:
        raise too_large
    data = {k: request.POST.get(k) for k in request.POST}
    caption = data.get(content_field) or ""
    files = uploaded_files(request)
    serializer = serializer_class(data={**data, content_field: caption or "-"})
    serializer.is_valid(raise_exception=True)
    validated = dict(serializer.validated_data)
    validated[content_field] = caption
    return validated, files


def upload(conv, files, uploader_type: str, uploader_id) -> list[int]:
    if not files:
        raise errors.ValidationFailed("No file.", code="ATTACHMENT_MISSING")
    return [a.pk for a in upload_all(conv, files, uploader_type, uploader_id)]


def attachments_of(snapshot: dict) -> list[dict]:
    return [links.item(a, links.LINK) for a in snapshot.get("attachments") or []]
