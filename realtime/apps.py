from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = "Realtime"

    def ready(self):
        from conversations import events
        from realtime import sio_fanout, widget  # noqa: F401 - registers the Socket.IO handlers

        events.subscribe("socketio", sio_fanout.deliver)
        from realtime import topic_fanout

        events.subscribe("topics", topic_fanout.on_event)
