"""Tenants and their API keys."""

from django.db import transaction
from django.utils import timezone

from conversations.events import Audience, EventType, publish
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
    """Revoke a key; streams opened with it close at once."""
    with transaction.atomic():
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            publish(
                EventType.API_KEY_REVOKED,
                business=key.business,
                audience=Audience(business_id=key.business_id),
                data={"api_key_id": key.pk},
            )
    return key
