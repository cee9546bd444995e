from django.apps import AppConfig


class CustomerChannelsConfig(AppConfig):
    # Not "channels": that name is Django Channels (the ASGI library) in INSTALLED_APPS.
    name = "customer_channels"
    verbose_name = "Channels"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # AppConfig.ready: the app registry is ready, models and subscribers may load.
        from conversations import events
        from customer_channels import csat_link

        events.subscribe(
            "customer_channels.csat_link",
            csat_link.on_event,
            mode="background",
            types=[events.EventType.CONVERSATION_STATUS_CHANGED],
        )
