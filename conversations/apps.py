from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"
    verbose_name = "Conversations"

    def ready(self):
        # Imported in ready(): models and other apps load only once the app registry is.
        from conversations import (
            auto_assign,
            events,
            tokens,  # noqa: F401  (revokes tokens on password changes)
        )

        events.subscribe(
            "auto-assign", auto_assign.on_event, mode="background", types=auto_assign.TRIGGERS
        )
