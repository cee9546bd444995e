"""PingBack's domain: businesses (tenants), their agents, customers, conversations, messages.

Models hold data and derived read-only helpers. Every change of state goes through
``conversations.actions``; nothing else saves these models.
"""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def new_public_business_id() -> str:
    return uuid.uuid4().hex


class Business(models.Model):
    """A tenant ("workspace"; "project" in the realtime API)."""

    class Plan(models.TextChoices):
        FREE = "free"
        PRO = "pro"
        TEAM = "team"
        SELF_HOSTED = "self_hosted"

    class AutoAssign(models.TextChoices):
        OFF = "off"
        ROUND_ROBIN = "round_robin"

    public_id = models.CharField(
        max_length=32,
        unique=True,
        default=new_public_business_id,
        editable=False,
        help_text="The business_id the widget and the realtime APIs use.",
    )
    name = models.CharField(max_length=200)
    plan = models.CharField(max_length=20, choices=Plan.choices, default=Plan.SELF_HOSTED)
    ai_auto_reply_enabled = models.BooleanField(
        default=False, help_text="New conversations start with the AI assistant answering first."
    )
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        help_text="IANA time zone the reports count days and hours in (e.g. Europe/Paris).",
    )
    auto_assign_mode = models.CharField(
        max_length=20,
        choices=AutoAssign.choices,
        default=AutoAssign.OFF,
        help_text="Round robin spreads new chats and AI handoffs across online agents.",
    )
    auto_assign_capacity = models.PositiveSmallIntegerField(
        default=5, help_text="Most open (or pending) conversations auto-assigned to one agent."
    )
    # Round robin's position: the agent who got the last automatic assignment.
    auto_assign_last_agent_id = models.BigIntegerField(null=True, blank=True, editable=False)
    csat_enabled = models.BooleanField(
        default=True, help_text="Ask customers to rate a conversation when it is resolved."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "businesses"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    """A Django user's membership in one business ("project user" in the realtime API)."""

    class Role(models.TextChoices):
        OWNER = "owner"
        ADMIN = "admin"
        AGENT = "agent"

    class Status(models.TextChoices):
        ONLINE = "online"
        AWAY = "away"
        OFFLINE = "offline"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="agents")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.AGENT)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFLINE)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "user"], name="agent_unique_membership")
        ]
        ordering = ["business_id", "id"]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.role} at {self.business_id})"

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.email or self.user.get_username()

    @property
    def is_manager(self) -> bool:
        """Owners and admins manage everything in their business and see every conversation."""
        return self.role in (self.Role.OWNER, self.Role.ADMIN)


class ApiKey(models.Model):
    """A business-scoped secret for servers. Only its SHA-256 and a short prefix are stored."""

    PREFIX = "pbk_"
    SHOWN_PREFIX_LENGTH = 12

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate_raw_key() -> str:
        return ApiKey.PREFIX + secrets.token_urlsafe(32)

    @staticmethod
    def hash_key(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Customer(models.Model):
    """The person on the other side ("visitor" in PocketPing)."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="customers")
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    external_id = models.CharField(
        max_length=200,
        blank=True,
        help_text="The business's own id for this customer (customerId).",
    )
    metadata = models.JSONField(default=dict, blank=True)
    visitor_key_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="SHA-256 of the widget's private visitor key: proves a retried first message.",
    )
    identified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["business", "email"], name="customer_business_email"),
            models.Index(fields=["business", "external_id"], name="customer_business_extid"),
        ]

    def __str__(self) -> str:
        return self.name or self.email or f"Customer {self.pk}"


class Conversation(models.Model):
    """A thread between the team and one customer ("request" / "session" elsewhere)."""

    class Status(models.TextChoices):
        OPEN = "open"
        PENDING = "pending"
        RESOLVED = "resolved"
        CLOSED = "closed"

    class Channel(models.TextChoices):
        WEBCHAT = "webchat"
        WHATSAPP = "whatsapp"
        EMAIL = "email"
        TELEGRAM = "telegram"
        SMS = "sms"
        API = "api"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="conversations")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="conversations")
    channel_type = models.CharField(max_length=20, choices=Channel.choices, default=Channel.WEBCHAT)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned"
    )
    needs_human_handoff = models.BooleanField(default=False)
    handoff_reason = models.CharField(max_length=200, blank=True)
    handoff_requested_at = models.DateTimeField(null=True, blank=True)
    ai_enabled = models.BooleanField(default=False)
    ai_reply_count = models.PositiveIntegerField(default=0)
    metadata = models.JSONField(default=dict, blank=True, help_text="page_url, user_agent, …")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    last_activity_at = models.DateTimeField(db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    # Pending until this time, then reopened by beat (teamtools.actions.snooze); cleared
    # whenever the conversation leaves pending (a customer writing, an agent reopening).
    snoozed_until = models.DateTimeField(null=True, blank=True)
    # Whether any label is on it (``teamtools`` keeps it): snapshots read the labels only then,
    # so a message to an unlabelled conversation costs no label query. A label deleted since
    # can leave it true (one query that finds none).
    has_labels = models.BooleanField(default=False, db_default=False)
    first_message_text = models.CharField(max_length=300, blank=True)
    last_message_text = models.CharField(max_length=300, blank=True)
    message_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        indexes = [
            models.Index(
                fields=["business", "status", "assignee", "-last_activity_at", "-id"],
                name="conv_inbox",
            ),
            models.Index(
                fields=["business", "-last_activity_at", "-id"], name="conv_business_recent"
            ),
            models.Index(
                fields=["business", "-last_activity_at"],
                name="conv_handoff",
                condition=Q(needs_human_handoff=True),
            ),
            models.Index(fields=["business", "customer"], name="conv_business_customer"),
            models.Index(
                fields=["snoozed_until"],
                name="conv_snoozed",
                condition=Q(snoozed_until__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Conversation {self.pk} ({self.status})"

    @property
    def first_response_seconds(self) -> float | None:
        if self.first_response_at is None:
            return None
        return (self.first_response_at - self.created_at).total_seconds()


class Message(models.Model):
    class SenderType(models.TextChoices):
        CUSTOMER = "customer"
        AGENT = "agent"
        SYSTEM = "system"

    class ContentType(models.TextChoices):
        TEXT = "text"
        ATTACHMENT = "attachment"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender_type = models.CharField(max_length=10, choices=SenderType.choices)
    sender_agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sender_api_key = models.ForeignKey(
        ApiKey,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="An operator message an API key sent as itself (no agent named).",
    )
    is_ai = models.BooleanField(default=False, help_text="A system message written by the AI.")
    content_type = models.CharField(
        max_length=12, choices=ContentType.choices, default=ContentType.TEXT
    )
    content = models.TextField()
    client_id = models.CharField(
        max_length=100,
        null=True,
        blank=True,
        help_text="Client-supplied idempotency key: a retry returns the stored message.",
    )
    # Set by the action (the conversation's last activity and first response take the same
    # instant, also on the one-statement hot path).
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "client_id"],
                condition=Q(client_id__isnull=False),
                name="message_idempotent_client_id",
            )
        ]
        indexes = [models.Index(fields=["conversation", "id"], name="message_conv_id")]

    def __str__(self) -> str:
        return f"{self.sender_type}: {self.content[:40]}"

    @property
    def kind(self) -> str:
        """PocketPing's message type: visitor, operator, ai or system."""
        if self.sender_type == self.SenderType.CUSTOMER:
            return "visitor"
        if self.sender_type == self.SenderType.AGENT:
            return "operator"
        return "ai" if self.is_ai else "system"


class EventLog(models.Model):
    """Every domain event, written in the transaction of the change that caused it.

    Its auto-increment id is the event id clients resume from, and the row is the outbox
    that webhook delivery reads: an event exists exactly when its change committed.
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=60)
    conversation_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField()
    audience = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["business", "id"], name="event_business_id")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type}"


class EventLogHorizon(models.Model):
    """The newest event id pruned from the event log (one row): a resume cursor below it may
    have missed events that no longer exist, so replay refuses it (``EVENT_CURSOR_EXPIRED``)."""

    pruned_through_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"events pruned through #{self.pruned_through_id}"


class AgentReadState(models.Model):
    """How far one agent has read one conversation (the inbox's unread counts and bold rows).

    Written only by ``inbox.actions.do_mark_conversation_read``; a conversation without a row
    is unread from its first customer message.
    """

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="read_states")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    last_read_message_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "conversation"], name="read_state_unique")
        ]

    def __str__(self) -> str:
        return f"agent {self.agent_id} read #{self.conversation_id} to {self.last_read_message_id}"


class AgentPreferences(models.Model):
    """One agent's notification choices (the inbox's "My preferences" page)."""

    agent = models.OneToOneField(Agent, on_delete=models.CASCADE, related_name="preferences")
    sound = models.BooleanField(default=True)
    desktop = models.BooleanField(default=True)
    email = models.BooleanField(default=True)
    on_new_conversation = models.BooleanField(default=True)
    on_message_assigned = models.BooleanField(default=True)
    on_assigned_to_me = models.BooleanField(default=True)
    on_handoff = models.BooleanField(default=True)
    # A manual "away"/"offline" that beats the connections (conversations.presence); "" = auto.
    presence_override = models.CharField(max_length=10, blank=True, default="")

    EVENTS = ["on_new_conversation", "on_message_assigned", "on_assigned_to_me", "on_handoff"]
    CHANNELS = ["sound", "desktop", "email"]

    def __str__(self) -> str:
        return f"preferences of agent {self.agent_id}"
