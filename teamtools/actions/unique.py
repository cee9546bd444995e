"""Saving a row whose name must be unique in its business (label names, canned shortcuts)."""

from django.db import IntegrityError, models, transaction

from conversations import errors


def save_unique(row: models.Model, message: str, code: str, field: str):
    """Save ``row``; a clash with the business's unique constraint is a 409 ``code``."""
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise errors.Conflict(message, code=code, field=field) from None
    return row
