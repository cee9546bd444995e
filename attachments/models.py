"""Files sent in conversations: uploaded first (orphaned), then attached to one message."""

import uuid

from django.db import models

from conversations.models import Business, Conversation, Message


def new_key() -> str:
    return uuid.uuid4().hex


class Attachment(models.Model):
    class Uploader(models.TextChoices):
        CUSTOMER = "customer"
        AGENT = "agent"
        API = "api"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="attachments")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(
        Message,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
        help_text="Empty until a message attaches it (an orphan is deleted by beat).",
    )
    uploader_type = models.CharField(max_length=10, choices=Uploader.choices)
    uploader_id = models.BigIntegerField(null=True, blank=True)
    file = models.CharField(max_length=300, help_text="Storage name of the (re-encoded) file.")
    thumbnail = models.CharField(max_length=300, blank=True, default="")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, help_text="Detected from the bytes.")
    size = models.BigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["message", "id"], name="attachment_message")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/") and bool(self.width)


class BusinessStorage(Business):
    """Attachment storage per business, for the admin (used bytes against the quota)."""

    class Meta:
        proxy = True
        verbose_name = "attachment storage"
        verbose_name_plural = "attachment storage"
