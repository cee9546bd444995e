"""Tenants and their API keys."""

from django.db import transaction
from django.utils import timezone

from conversations.models import ApiKey, Business


def create_business(name: str, *, plan: str = Business.Plan.SELF_HOSTED, **fields) -> Business:
    return Business.objects.create(name=name, plan=plan, **fields)


@transaction.atomic
def create_api_key(business: Business, name: str, *, created_by=None, raw_key: str | None = None):
    """Create a key; returns ``(api_key, raw)``. ``raw`` is never stored and shown only now."""
    raw = raw_key or ApiKey.generate_raw_key()
    if not raw.startswith(ApiKey.PREFIX):
        raw = ApiKey.PREFIX + raw
    key = ApiKey.objects.create(
        business=business,
        name=name,
        prefix=raw[: ApiKey.SHOWN_PREFIX_LENGTH],
        key_hash=ApiKey.hash_key(raw),
        created_by=created_by,
    )
    return key, raw


def revoke_api_key(key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key
