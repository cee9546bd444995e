from django.apps import AppConfig


class AIConfig(AppConfig):
    name = "ai"
    verbose_name = "AI assistant"

    def ready(self):
        # Imported in ready(): models and other apps load only once the app registry is.
        from ai import subscribers
        from conversations import events

        events.subscribe(
            "ai.auto_reply",
            subscribers.on_event,
            mode="background",
            types=[events.EventType.MESSAGE_CREATED],
        )
