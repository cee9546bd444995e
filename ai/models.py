"""The assistant's knowledge base and per-business settings."""

from django.conf import settings
from django.db import models

from conversations.models import Business


class KnowledgeArticle(models.Model):
    """A question/answer pair the offline provider answers from (and the LLM is grounded in)."""

    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="knowledge_articles"
    )
    question = models.CharField(max_length=300)
    answer = models.TextField()
    keywords = models.CharField(
        max_length=500,
        blank=True,
        help_text="Comma-separated extra words customers use for this topic (synonyms).",
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["business_id", "id"]
        indexes = [models.Index(fields=["business", "enabled"], name="kb_business_enabled")]

    def __str__(self) -> str:
        return self.question

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split(",") if k.strip()]


class AISettings(models.Model):
    """Per-business overrides of the AI_* settings; an empty field means "use the default"."""

    class Provider(models.TextChoices):
        KNOWLEDGE_BASE = "knowledge_base"
        OPENAI = "openai"

    business = models.OneToOneField(Business, on_delete=models.CASCADE, related_name="ai_settings")
    provider = models.CharField(max_length=20, choices=Provider.choices, blank=True)
    confidence_threshold = models.FloatField(
        null=True, blank=True, help_text="Below this confidence (0-1) the AI hands off."
    )
    handoff_keywords = models.CharField(
        max_length=500,
        blank=True,
        help_text="Comma-separated phrases meaning the customer wants a person.",
    )
    max_replies = models.PositiveIntegerField(
        null=True, blank=True, help_text="AI replies per conversation before it hands off."
    )
    handoff_message = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = "AI settings"
        verbose_name_plural = "AI settings"

    def __str__(self) -> str:
        return f"AI settings of {self.business}"


def effective_settings(business: Business) -> dict:
    """The AI configuration in force for ``business``: its overrides over the AI_* settings."""
    own = AISettings.objects.filter(business=business).first()
    keywords = settings.AI_HANDOFF_KEYWORDS
    if own and own.handoff_keywords.strip():
        keywords = [k.strip() for k in own.handoff_keywords.split(",") if k.strip()]
    return {
        "provider": (own.provider if own and own.provider else settings.AI_PROVIDER),
        "confidence_threshold": (
            own.confidence_threshold
            if own and own.confidence_threshold is not None
            else settings.AI_CONFIDENCE_THRESHOLD
        ),
        "handoff_keywords": [k.lower() for k in keywords],
        "max_replies": (
            own.max_replies if own and own.max_replies is not None else settings.AI_MAX_REPLIES
        ),
        "handoff_message": (
            own.handoff_message if own and own.handoff_message else settings.AI_HANDOFF_MESSAGE
        ),
    }
