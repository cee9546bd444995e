"""Files follow their rows: however an attachment row is deleted (a cascade from a deleted
conversation, customer or business, the admin), its files are removed after the commit."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from attachments.actions import delete_files
from attachments.models import Attachment


@receiver(post_delete, sender=Attachment)
def _delete_files(sender, instance: Attachment, **kwargs) -> None:
    names = [instance.file, instance.thumbnail]
    transaction.on_commit(lambda: delete_files(names))
