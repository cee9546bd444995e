"""Two-factor login: turning TOTP on and off, recovery codes, checking a second factor.

A confirmed ``TwoFactor`` makes the inbox login and ``POST /api/v1/auth/token`` ask for a code
from the authenticator app, or one of ten single-use recovery codes. A TOTP code is accepted
once (``last_used_step``)."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from accounts import totp
from accounts.models import RecoveryCode, TwoFactor, token_hash
from conversations import errors

RECOVERY_CODES = 10


def enabled_for(user) -> bool:
    return TwoFactor.objects.filter(user=user, confirmed_at__isnull=False).exists()


def start(user) -> TwoFactor:
    """A new secret to scan; two-factor is on only once a code from it is confirmed."""
    with transaction.atomic():
        device, _ = TwoFactor.objects.select_for_update().get_or_create(
            user=user, defaults={"secret": totp.new_secret()}
        )
        if device.confirmed_at is not None:
            raise errors.Conflict("Two-factor login is already on.", code="TWO_FACTOR_ON")
        device.secret = totp.new_secret()
        device.save(update_fields=["secret"])
    return device


def _new_recovery_codes(user) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=token_hash(c)) for c in codes]
    )
    return codes


def confirm(user, code: str) -> list[str]:
    """Turn two-factor on with a first code; returns the recovery codes (shown once)."""
    with transaction.atomic():
        device = TwoFactor.objects.select_for_update().filter(user=user).first()
        if device is None or device.confirmed_at is not None:
            raise errors.Conflict("Start setting up two-factor login first.", code="NO_SETUP")
        step = totp.matching_step(device.secret, code)
        if step is None:
            raise errors.ValidationFailed(
                "That code is not right: type the 6 digits your app shows now.", code="OTP_INVALID"
            )
        device.confirmed_at = timezone.now()
        device.last_used_step = step
        device.save(update_fields=["confirmed_at", "last_used_step"])
        return _new_recovery_codes(user)


def disable(user, password: str) -> None:
    if not user.check_password(password or ""):
        raise errors.Unauthorized("The password is wrong.", code="INVALID_CREDENTIALS")
    with transaction.atomic():
        TwoFactor.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()


def verify(user, code: str) -> bool:
    """A valid, unused TOTP code or recovery code (which is then used up)."""
    code = (code or "").strip().lower()
    if not code:
        return False
    with transaction.atomic():
        device = (
            TwoFactor.objects.select_for_update()
            .filter(user=user, confirmed_at__isnull=False)
            .first()
        )
        if device is None:
            return False
        step = totp.matching_step(device.secret, code)
        if step is not None and step > device.last_used_step:
            device.last_used_step = step
            device.save(update_fields=["last_used_step"])
            return True
        updated = RecoveryCode.objects.filter(
            user=user, code_hash=token_hash(code), used_at__isnull=True
        ).update(used_at=timezone.now())
        return updated == 1


def recovery_codes_left(user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
