"""Channels: the connected inboxes of a business, who writes through them, and the outbox.

A ``Channel`` is one inbox (a widget, a mailbox, a WhatsApp number, a Telegram bot, the
business's own system over the API). Customers are known on a channel by an address
(``ChannelIdentity``: an email address, a WhatsApp number, a Telegram chat id); a conversation
started on a channel stays tied to it (``ChannelConversation``). Inbound messages are recorded
once per provider message id (``InboundMessage``); every agent reply on a non-widget channel
gets an ``OutboundMessage`` row in its own transaction, sent by a task and logged per attempt.

Nothing here saves itself: ``customer_channels.actions`` and ``customer_channels.outbox`` do.
"""

import uuid

from django.db import models
from django.db.models import Q

from conversations.models import Business, Conversation, Customer, Message


def new_public_id() -> str:
    return uuid.uuid4().hex


class Channel(models.Model):
    class Kind(models.TextChoices):
        WIDGET = "widget"
        EMAIL = "email"
        WHATSAPP = "whatsapp"
        TELEGRAM = "telegram"
        API = "api"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="channels")
    public_id = models.CharField(
        max_length=32,
        unique=True,
        default=new_public_id,
        editable=False,
        help_text="Names the channel in its inbound URLs (/channels/<public_id>/...).",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=100)
    settings = models.JSONField(default=dict, blank=True, help_text="Non-secret settings.")
    # Fernet token (customer_channels.crypto) of a JSON object; never returned by the API.
    credentials_encrypted = models.TextField(blank=True, editable=False)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["business_id", "id"]
        indexes = [models.Index(fields=["business", "kind"], name="channel_business_kind")]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    @property
    def conversation_channel_type(self) -> str:
        """The conversation's ``channel_type`` for conversations started here."""
        if self.kind == self.Kind.WIDGET:
            return Conversation.Channel.WEBCHAT
        return self.kind


class ChannelIdentity(models.Model):
    """A customer's address on one channel (email address, phone number, chat id)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="identities")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    address = models.CharField(max_length=320)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "address"], name="channel_identity_unique")
        ]

    def __str__(self) -> str:
        return f"{self.address} on {self.channel_id}"


class ChannelConversation(models.Model):
    """The channel (and the customer's address on it) a conversation is carried on."""

    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="channel_link"
    )
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    identity = models.ForeignKey(ChannelIdentity, on_delete=models.CASCADE, related_name="+")
    # Email: the first subject, which replies keep (threading: customer_channels.email_threads).
    subject = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"conversation {self.conversation_id} on channel {self.channel_id}"


class InboundMessage(models.Model):
    """A provider's message id, recorded once: a redelivered webhook finds it here."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=300)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="inbound_once")
        ]

    def __str__(self) -> str:
        return f"{self.external_id} -> message {self.message_id}"


class OutboundMessage(models.Model):
    """One agent reply to send on its channel. Written with the message; claimed with a lease."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="outbound")
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="outbound")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    external_id = models.CharField(
        max_length=300, blank=True, help_text="The provider's id of the sent message (receipts)."
    )
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbound_due"),
            models.Index(
                fields=["channel", "external_id"],
                condition=~Q(external_id=""),
                name="outbound_external_id",
            ),
        ]

    def __str__(self) -> str:
        return f"message {self.message_id} via {self.channel_id} ({self.status})"


class OutboundAttempt(models.Model):
    outbound = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)
    success = models.BooleanField(default=False)

    class Meta:
        ordering = ["outbound_id", "number"]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.outbound_id}: {self.status_code or self.error}"
