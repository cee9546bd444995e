from django.contrib import admin

from ai import actions
from ai.models import AISettings, KnowledgeArticle


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    list_display = ("question", "business", "enabled", "updated_at")
    list_filter = ("enabled", "business")
    search_fields = ("question", "answer", "keywords")
    list_select_related = ("business",)
    readonly_fields = ("created_at", "updated_at")
    actions = ("enable", "disable")

    @admin.action(description="Enable selected articles")
    def enable(self, request, queryset):
        for article in queryset:
            actions.update_article(article, enabled=True)

    @admin.action(description="Disable selected articles")
    def disable(self, request, queryset):
        for article in queryset:
            actions.update_article(article, enabled=False)


@admin.register(AISettings)
class AISettingsAdmin(admin.ModelAdmin):
    list_display = ("business", "provider", "confidence_threshold", "max_replies")
    list_select_related = ("business",)
