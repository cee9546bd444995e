"""Where attachment files live: the ``attachments`` entry of ``STORAGES`` (Django's storage API).

The embedded default is a ``FileSystemStorage`` under ``MEDIA_ROOT/attachments``; with
``S3_BUCKET`` set it is django-storages' ``S3Storage`` (any S3-compatible server).
"""

from django.core.files.storage import storages


def attachment_storage():
    return storages["attachments"]
