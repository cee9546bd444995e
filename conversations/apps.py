from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"
    verbose_name = "Conversations"

    def ready(self):
        from conversations import (
            auto_assign,
            events,
            tokens,  # noqa: F401  (revokes tokens on password changes)
        )

        events.subscribe("auto-assign", auto_assign.on_event, mode="background")
