from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = "Agent inbox and widget pages"

    def ready(self):
        from conversations import events
        from inbox import notify_email

        events.subscribe("inbox-email", notify_email.deliver, mode="background")
