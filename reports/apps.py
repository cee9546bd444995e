from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        from conversations import events
        from reports import subscribers

        events.subscribe("reports", subscribers.on_event, mode="background")
