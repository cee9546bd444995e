import sys

from django.apps import AppConfig

from pingback.config import is_server_command


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        # Imported once the app registry is ready (models), as Django requires.
        from conversations import events
        from conversations.pocketping_events import POCKETPING
        from pingback import metrics
        from webhooks import outbox, subscribers

        events.subscribe(
            "webhooks",
            subscribers.on_event,
            mode="background",
            types=POCKETPING.shown_types(),  # the events webhooks (and /ws) send
        )
        metrics.scrape_gauge(
            "pingback_outbox_backlog",
            "Webhook deliveries waiting to be sent (pending or being sent).",
            outbox.backlog,
        )
        # A server without a broker sweeps in-process (deliveries left by a restart go out).
        if is_server_command(sys.argv):
            # Only a server without a broker runs the in-process beat; imported when it does.
            from pingback import beat
            from pingback.tasks import uses_broker

            if not uses_broker():
                beat.ensure_started()
