"""Team tools: private notes (with @mentions), labels, canned responses.

Staff-only data kept apart from ``conversations.Message``: a note is not a message, so no
customer surface (widget, channels, PocketPing ``/ws``, webhooks) that reads messages can ever
carry one. Every change goes through ``teamtools.actions``.
"""

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from conversations.models import Agent, Business, Conversation


class Note(models.Model):
    """A private note inside a conversation: seen by the staff who may see the conversation."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    content = models.TextField()
    mentions = models.ManyToManyField(Agent, blank=True, related_name="mentioned_in")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "id"], name="note_conv_id")]

    def __str__(self) -> str:
        return f"note {self.pk} on #{self.conversation_id}"


class Label(models.Model):
    """A per-business label ("refund", "vip") with a colour, put on conversations."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=40)
    color = models.CharField(max_length=7, help_text="#rrggbb")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "business", Lower("name"), name="label_unique_name_per_business"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ConversationLabel(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="label_links"
    )
    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="links")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["label__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "label"], name="conv_label_unique")
        ]
        indexes = [models.Index(fields=["label", "conversation"], name="conv_label_by_label")]

    def __str__(self) -> str:
        return f"#{self.conversation_id}: {self.label_id}"


class CannedResponse(models.Model):
    """A saved reply: ``/shortcut`` in the reply box inserts its content, variables filled."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="canned")
    shortcut = models.CharField(max_length=40)
    title = models.CharField(max_length=120)
    content = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["shortcut", "id"]
        constraints = [
            models.UniqueConstraint(
                "business", Lower("shortcut"), name="canned_unique_shortcut_per_business"
            )
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"


class IdentitySecret(models.Model):
    """The key a business's own server signs its logged-in users with (widget ``identify``):
    ``HMAC-SHA256(secret, external id or email)``. Kept readable (verifying needs it), shown
    to staff only once, when it is made (``teamtools.actions.identity.rotate_identity_secret``)."""

    business = models.OneToOneField(
        Business, on_delete=models.CASCADE, related_name="identity_secret"
    )
    secret = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"identity secret of {self.business_id}"
