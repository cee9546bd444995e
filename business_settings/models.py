"""What an owner sets up for their website: the widget's look, texts and allowed domains, and
the business hours. One row per business, created on first change; a business without a row
has the defaults. Every change goes through ``business_settings.actions``."""

from django.db import models

from conversations.models import Business


class WidgetSettings(models.Model):
    class Position(models.TextChoices):
        RIGHT = "right", "Bottom right"
        LEFT = "left", "Bottom left"

    class Language(models.TextChoices):
        EN = "en", "English"
        FR = "fr", "Français"

    class Field(models.TextChoices):
        OFF = "off", "Not asked"
        OPTIONAL = "optional", "Optional"
        REQUIRED = "required", "Required"

    business = models.OneToOneField(
        Business, on_delete=models.CASCADE, related_name="widget_settings"
    )
    color = models.CharField(max_length=7, default="#2f5bea", help_text="#rrggbb")
    title = models.CharField(max_length=60, blank=True, help_text="Empty: the language's default.")
    greeting = models.CharField(max_length=300, blank=True, help_text="Empty: the default.")
    launcher_text = models.CharField(max_length=30, blank=True, help_text="Empty: the default.")
    position = models.CharField(max_length=5, choices=Position.choices, default=Position.RIGHT)
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.EN)
    prechat_name = models.CharField(max_length=8, choices=Field.choices, default=Field.REQUIRED)
    prechat_email = models.CharField(max_length=8, choices=Field.choices, default=Field.REQUIRED)
    allowed_domains = models.JSONField(
        default=list,
        blank=True,
        help_text="Host names the widget may run on (example.com, *.example.com); empty: any.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "widget settings"
        verbose_name_plural = "widget settings"

    def __str__(self) -> str:
        return f"widget of {self.business_id}"


class BusinessHours(models.Model):
    """Opening hours in the business's time zone (``Business.timezone``).

    ``weekly``: ``{"0": [["09:00", "17:30"]], …}`` — Monday is "0"; a day missing or empty is
    closed; a range may not cross midnight. ``holidays``: ISO dates closed all day.
    """

    business = models.OneToOneField(
        Business, on_delete=models.CASCADE, related_name="business_hours"
    )
    enabled = models.BooleanField(default=False, help_text="Off: always open.")
    weekly = models.JSONField(default=dict, blank=True)
    holidays = models.JSONField(default=list, blank=True)
    away_message = models.CharField(
        max_length=1000, blank=True, help_text="Posted once per conversation outside hours."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "business hours"
        verbose_name_plural = "business hours"

    def __str__(self) -> str:
        return f"hours of {self.business_id}"
