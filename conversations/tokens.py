"""Agent JWT lifecycle: revocation on logout, password change and deactivation.

- Refresh tokens rotate on every use and the used one is blacklisted (simplejwt's
  ``token_blacklist`` app records every refresh token it issues).
- Every token carries a hash of the user's password hash (simplejwt ``CHECK_REVOKE_TOKEN``):
  changing the password invalidates every access and refresh token at once.
- A password change or a deactivation (``is_active = False``, by the admin or any other code
  that saves the user) blacklists all of the user's refresh tokens; an inactive user's access
  tokens are refused on every surface (``conversations.auth``).
- Logout (REST, inbox) blacklists refresh tokens and the access tokens of that session: an
  access token is refused once its ``jti`` is on the blacklist.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import datetime_from_epoch


def revoke_refresh_tokens(user) -> int:
    """Blacklist every unexpired refresh token of ``user``; returns how many were new."""
    live = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    rows = [BlacklistedToken(token=t) for t in live]
    BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def revoke_access_token(token) -> None:
    """Blacklist one access token (``rest_framework_simplejwt.tokens.AccessToken``) by jti."""
    jti = token[jwt_settings.JTI_CLAIM]
    outstanding, _ = OutstandingToken.objects.get_or_create(
        jti=jti,
        defaults={
            "user_id": token.get(jwt_settings.USER_ID_CLAIM),
            "token": str(token),
            "created_at": timezone.now(),
            "expires_at": datetime_from_epoch(token["exp"]),
        },
    )
    BlacklistedToken.objects.get_or_create(token=outstanding)


def revoke_access_jtis(user, jtis: list[str], expires_at) -> None:
    """Blacklist access tokens known only by jti (those an inbox page was given)."""
    for jti in jtis:
        outstanding, _ = OutstandingToken.objects.get_or_create(
            jti=jti,
            defaults={
                "user": user,
                "token": "",
                "created_at": timezone.now(),
                "expires_at": expires_at,
            },
        )
        BlacklistedToken.objects.get_or_create(token=outstanding)


@receiver(pre_save, sender=get_user_model(), dispatch_uid="pingback-token-revocation-pre")
def _remember_credentials(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    instance._pingback_before = (
        sender.objects.filter(pk=instance.pk).values_list("password", "is_active").first()
    )


@receiver(post_save, sender=get_user_model(), dispatch_uid="pingback-token-revocation-post")
def _revoke_on_credential_change(sender, instance, created=False, raw=False, **kwargs):
    before = getattr(instance, "_pingback_before", None)
    instance._pingback_before = None
    if raw or created or before is None:
        return
    password, was_active = before
    if password != instance.password or (was_active and not instance.is_active):
        revoke_refresh_tokens(instance)
