from django.apps import AppConfig


class TeamtoolsConfig(AppConfig):
    """The team's tools around conversations: private notes, labels, canned responses."""

    name = "teamtools"
    default_auto_field = "django.db.models.BigAutoField"
