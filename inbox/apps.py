from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = "Agent inbox and widget pages"

    def ready(self):
        # Imported in ready(): models and other apps load only once the app registry is.
        from conversations import events
        from inbox import notify_email

        events.subscribe(
            "inbox-email", notify_email.deliver, mode="background", types=notify_email.TRIGGERS
        )
