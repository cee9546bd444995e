"""A customer's rating of a resolved conversation (CSAT): one per conversation."""

from django.db import models
from django.utils import timezone

from conversations.models import Agent, Business, Conversation


class Rating(models.Model):
    SCORES = range(1, 6)  # 1 (very unhappy) … 5 (very happy); three faces are 1, 3 and 5

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="rating"
    )
    # Who handled the conversation when it was rated (the reports' per-agent CSAT).
    agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["business", "created_at"], name="rating_business_time")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="rating_score_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.score}/5 for conversation {self.conversation_id}"
