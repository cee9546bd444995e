from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Full-text search of conversations (``search.engine``)."""

    name = "search"
    default_auto_field = "django.db.models.BigAutoField"
