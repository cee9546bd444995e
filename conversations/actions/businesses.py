"""Tenants and their API keys."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.utils import timezone

from conversations import errors
from conversations.events import Audience, EventType, publish
from conversations.models import ApiKey, Business
from conversations.tasks import assign_waiting
from pingback.tasks import enqueue


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


SETTINGS_FIELDS = ("timezone", "auto_assign_mode", "auto_assign_capacity", "csat_enabled")
CAPACITY_MAX = 1000


def do_update_business_settings(business: Business, **changes) -> Business:
    """Change the business's report time zone, automatic assignment or CSAT survey.

    Turning round robin on (or raising the capacity) hands out what waits at once.
    """
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise errors.ValidationFailed(f"Unknown settings: {', '.join(sorted(unknown))}.")
    if "timezone" in changes:
        try:
            ZoneInfo(str(changes["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise errors.ValidationFailed(
                f"Unknown time zone {changes['timezone']!r}.", field="timezone"
            ) from None
    if "auto_assign_mode" in changes and changes["auto_assign_mode"] not in (
        Business.AutoAssign.values
    ):
        raise errors.ValidationFailed(
            f"auto_assign_mode must be one of {', '.join(Business.AutoAssign.values)}.",
            field="auto_assign_mode",
        )
    capacity = changes.get("auto_assign_capacity", 1)
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise errors.ValidationFailed("auto_assign_capacity must be an integer.")
    if not 1 <= capacity <= CAPACITY_MAX:
        raise errors.ValidationFailed(
            f"auto_assign_capacity must be between 1 and {CAPACITY_MAX}.",
            field="auto_assign_capacity",
        )
    if not isinstance(changes.get("csat_enabled", True), bool):
        raise errors.ValidationFailed("csat_enabled must be true or false.", field="csat_enabled")
    with transaction.atomic():
        business = Business.objects.select_for_update().get(pk=business.pk)
        for name, value in changes.items():
            setattr(business, name, value)
        business.save(update_fields=list(changes) or None)
        if business.auto_assign_mode == Business.AutoAssign.ROUND_ROBIN:
            transaction.on_commit(lambda: enqueue(assign_waiting, business.pk))
    return business
