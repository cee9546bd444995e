from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = "Realtime"

    def ready(self):
        # Imported in ready(): models and other apps load only once the app registry is.
        from conversations import events
        from realtime import sio_fanout, topic_fanout, widget  # noqa: F401 - Socket.IO handlers

        events.subscribe("socketio", sio_fanout.deliver, mode="loop")
        events.subscribe("topics", topic_fanout.deliver, mode="loop")
