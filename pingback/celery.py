"""Celery application.

Workers: ``celery -A pingback worker``; schedules: ``celery -A pingback beat``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingback.settings")

app = Celery("pingback")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
