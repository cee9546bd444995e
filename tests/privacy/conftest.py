"""Privacy tests store attachments and exports in private temporary folders."""

import pytest

from tests.attachments.conftest import attachment_storage  # noqa: F401 - the same fixture
from tests.webhooks.conftest import allow_private, queued  # noqa: F401 - the same fixtures


@pytest.fixture(autouse=True)
def export_storage(db, settings, tmp_path, attachment_storage):  # noqa: F811
    """Exports go to a temporary media folder; tasks the test started end before its
    database goes (exports and webhook fan-outs run on the in-process pool)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    yield tmp_path / "media"
    from pingback.tasks import wait_for_local_tasks

    wait_for_local_tasks()
