"""Celery application.

Workers: ``celery -A pingback worker``; schedules: ``celery -A pingback beat``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingback.settings")

app = Celery("pingback")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Log each task as one line, with the request id of the action that enqueued it.
from pingback import logging as _logs  # noqa: E402

_logs.connect_celery_signals()

# Tasks keep their database connections (CONN_MAX_AGE) instead of one per task.
from pingback import db_connections as _db_connections  # noqa: E402

_db_connections.connect_celery_signals()
