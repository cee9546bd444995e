from django.apps import AppConfig


class CustomerChannelsConfig(AppConfig):
    # Not "channels": that name is Django Channels (the ASGI library) in INSTALLED_APPS.
    name = "customer_channels"
    verbose_name = "Channels"
    default_auto_field = "django.db.models.BigAutoField"
