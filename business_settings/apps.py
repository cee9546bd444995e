from django.apps import AppConfig


class BusinessSettingsConfig(AppConfig):
    name = "business_settings"
    verbose_name = "Widget settings and business hours"

    def ready(self):
        # Imported in ready(): models and other apps load only once the app registry is.
        from business_settings import away_reply
        from conversations import events

        events.subscribe(
            "business_hours.away_reply",
            away_reply.on_event,
            mode="background",
            types=[events.EventType.MESSAGE_CREATED],
        )
