"""Attachment tests store files in a private temporary folder (the embedded default storage)."""

import pytest
from django.core.files.storage import storages


@pytest.fixture(autouse=True)
def attachment_storage(request, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "attachments")},
        },
    }
    if request.node.get_closest_marker("browser") is None:
        # A browser's server must verify the real hash: only other tests take the fast one.
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.API_ANON_RATE_PER_MINUTE = 0
    yield storages["attachments"]


def stored_files(storage) -> set[str]:
    root = storage.location
    import os

    out = set()
    for folder, _, files in os.walk(root):
        out |= {os.path.relpath(os.path.join(folder, f), root) for f in files}
    return out
