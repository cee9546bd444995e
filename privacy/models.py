"""Records of erasures (an audit trail without personal data) and data exports."""

from django.db import models

from conversations.models import Business


class Erasure(models.Model):
    """A customer's personal data was erased (``privacy.actions.do_erase_customer``).

    Holds no personal data: the customer row stays (anonymised) so conversations keep counting.
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    customer_id = models.BigIntegerField()
    actor = models.CharField(max_length=200, help_text="Who erased: agent, API key or admin.")
    conversations = models.PositiveIntegerField(default=0)
    messages = models.PositiveIntegerField(default=0)
    attachments = models.PositiveIntegerField(default=0)
    events = models.PositiveIntegerField(default=0, help_text="Event log rows removed.")
    erased_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"Customer {self.customer_id} erased at {self.erased_at:%Y-%m-%d %H:%M}"


class DataExport(models.Model):
    """One export of a business's data, written by a background task."""

    class Format(models.TextChoices):
        JSON = "json"
        CSV = "csv"  # a zip of customers.csv, conversations.csv, messages.csv

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        READY = "ready"
        FAILED = "failed"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    requested_by = models.CharField(max_length=200)
    format = models.CharField(max_length=4, choices=Format.choices, default=Format.JSON)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    file = models.CharField(max_length=300, blank=True, help_text="Its name in default storage.")
    size = models.PositiveBigIntegerField(default=0)
    customers = models.PositiveIntegerField(default=0)
    conversations = models.PositiveIntegerField(default=0)
    messages = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.format}, {self.status})"

    @property
    def filename(self) -> str:
        ext = "json" if self.format == self.Format.JSON else "zip"
        return f"pingback-export-{self.business_id}-{self.pk}.{ext}"
