"""Attachment actions: upload (before any message), attach, delete (files go after commit)."""

from __future__ import annotations

import logging
import os
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from attachments import safety
from attachments.models import Attachment
from attachments.storage import attachment_storage
from conversations import errors
from conversations.models import Business, Conversation, Customer, Message

logger = logging.getLogger(__name__)


class AttachmentNotFound(errors.NotFound):
    code = "ATTACHMENT_NOT_FOUND"


class TooMany(errors.DomainError):
    code = "TOO_MANY_ATTACHMENTS"
    title = "Too many files"


class QuotaExceeded(errors.DomainError):
    code = "ATTACHMENT_QUOTA_EXCEEDED"
    http_status = 413
    title = "Storage quota exceeded"


def usage_bytes(business: Business | int) -> int:
    pk = business.pk if isinstance(business, Business) else business
    return Attachment.objects.filter(business_id=pk).aggregate(s=Sum("size"))["s"] or 0


def _clean_name(name) -> str:
    name = os.path.basename(str(name or "").replace("\\", "/")).strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>')
    return name[:200] or "file"


def check_count(count: int) -> None:
    limit = settings.ATTACHMENTS_MAX_PER_MESSAGE
    if count > limit:
        raise TooMany(f"{count} files; a message carries at most {limit}.", limit=limit)


def do_upload_attachment(
    conv: Conversation, *, file, name: str | None = None, uploader_type: str, uploader_id=None
) -> Attachment:
    """Validate and store one file for ``conv``; returns the orphaned (not yet attached) row.

    The file is written to storage before any message refers to it; it stays an orphan until
    ``do_post_message(..., attachments=[id])`` attaches it (beat deletes orphans after
    ``ATTACHMENTS_ORPHAN_HOURS``).
    """
    if uploader_type not in Attachment.Uploader.values:
        raise errors.ValidationFailed(f"Unknown uploader {uploader_type!r}.")
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, os.SEEK_END)
        size = file.tell()
    safety.check_size(size)
    quota = settings.ATTACHMENTS_QUOTA_BYTES
    if quota and usage_bytes(conv.business_id) + size > quota:
        raise QuotaExceeded(
            f"This business has used its {quota} bytes of attachment storage.", quota=quota
        )
    processed = safety.inspect(file)
    original = _clean_name(name or getattr(file, "name", ""))
    stem = f"{conv.business.public_id}/{uuid.uuid4().hex}"
    ext = safety.EXTENSIONS.get(processed.content_type, "")
    storage = attachment_storage()
    if processed.data is not None:
        size = len(processed.data)
        digest = safety.sha256_of(data=processed.data)
        stored = storage.save(f"{stem}{ext}", ContentFile(processed.data))
    else:
        digest = safety.sha256_of(file)
        file.seek(0)
        stored = storage.save(f"{stem}{ext}", File(file))
    thumb = ""
    try:
        if processed.thumbnail is not None:
            thumb = storage.save(
                f"{stem}.thumb{processed.thumbnail_ext}", ContentFile(processed.thumbnail)
            )
        return Attachment.objects.create(
            business_id=conv.business_id,
            conversation=conv,
            uploader_type=uploader_type,
            uploader_id=uploader_id,
            file=stored,
            thumbnail=thumb,
            original_name=original,
            content_type=processed.content_type,
            size=size,
            width=processed.width,
            height=processed.height,
            sha256=digest,
        )
    except BaseException:
        delete_files([stored, thumb])
        raise


def parse_ids(value) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**63 for v in value
    ):
        raise errors.ValidationFailed(
            "attachments must be a list of attachment ids.", field="attachments"
        )
    ids = list(dict.fromkeys(value))
    check_count(len(ids))
    return ids


def claim(conv: Conversation, ids: list[int], sender_type: str) -> list[Attachment]:
    """Lock the orphaned uploads ``ids`` of ``conv`` for a new message (inside its transaction).

    A customer message carries only the customer's uploads; staff messages only staff uploads.
    Anything else (another conversation's, already attached, unknown) is ATTACHMENT_NOT_FOUND.
    """
    side = (
        [Attachment.Uploader.CUSTOMER]
        if sender_type == Message.SenderType.CUSTOMER
        else [Attachment.Uploader.AGENT, Attachment.Uploader.API]
    )
    rows = list(
        Attachment.objects.select_for_update()
        .filter(
            pk__in=ids,
            conversation_id=conv.pk,
            business_id=conv.business_id,
            message__isnull=True,
            uploader_type__in=side,
        )
        .order_by("id")
    )
    if len(rows) != len(ids):
        missing = sorted(set(ids) - {a.pk for a in rows})
        raise AttachmentNotFound(
            "Attachment not found (upload it to this conversation first; an attachment is "
            "sent once).",
            ids=missing,
        )
    by_id = {a.pk: a for a in rows}
    return [by_id[i] for i in ids]


def delete_files(names) -> None:
    storage = attachment_storage()
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except Exception:  # a missing file is already gone
            logger.warning("could not delete attachment file %s", name, exc_info=True)


def do_delete_conversation(conv: Conversation) -> None:
    """Delete a conversation with its messages; its files are removed after the commit
    (``attachments.signals``: every deleted attachment row takes its files along)."""
    with transaction.atomic():
        Conversation.objects.filter(pk=conv.pk).delete()


def do_delete_customer(customer: Customer) -> None:
    """Delete a customer, their conversations and, after the commit, every file in them."""
    with transaction.atomic():
        Conversation.objects.filter(customer_id=customer.pk).delete()
        Customer.objects.filter(pk=customer.pk).delete()


def delete_orphans(older_than: timedelta | None = None) -> int:
    """Delete uploads no message attached within ``ATTACHMENTS_ORPHAN_HOURS`` (and their files,
    after the commit)."""
    hours = settings.ATTACHMENTS_ORPHAN_HOURS
    cutoff = timezone.now() - (older_than if older_than is not None else timedelta(hours=hours))
    removed = 0
    while True:
        with transaction.atomic():
            ids = list(
                Attachment.objects.filter(message__isnull=True, created_at__lt=cutoff)
                .order_by("id")
                .values_list("id", flat=True)[:200]
            )
            if not ids:
                return removed
            # Re-checked in the delete: an upload attached meanwhile is kept.
            removed += (
                Attachment.objects.filter(pk__in=ids, message__isnull=True)
                .delete()[1]
                .get("attachments.Attachment", 0)
            )
