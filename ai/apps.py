from django.apps import AppConfig


class AIConfig(AppConfig):
    name = "ai"
    verbose_name = "AI assistant"

    def ready(self):
        from ai import subscribers
        from conversations import events

        events.subscribe("ai.auto_reply", subscribers.on_event, mode="background")
