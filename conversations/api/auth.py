"""DRF authentication: ``Authorization: Bearer <api key | agent access JWT>``.

API keys start with ``pbk_``; anything else is treated as a JWT. The authenticated
``request.auth`` is a :class:`conversations.auth.Caller`.
"""

from rest_framework import authentication, exceptions

from conversations import errors
from conversations.auth import Caller, caller_from_api_key, caller_from_jwt
from conversations.models import ApiKey
from pingback import logging as logs

BUSINESS_HEADER = "HTTP_X_PINGBACK_BUSINESS"


class ServiceUser:
    """``request.user`` for API-key calls: authenticated, but no Django user."""

    is_authenticated = True
    is_active = True
    is_staff = False
    is_superuser = False
    is_anonymous = False
    pk = None

    def __init__(self, caller: Caller):
        self.caller = caller

    def __str__(self) -> str:
        return f"api-key:{self.caller.api_key.prefix}"


class BearerAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization must be 'Bearer <token>'.")
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token characters.") from None
        if raw.startswith(ApiKey.PREFIX):
            caller = caller_from_api_key(raw)
            logs.update(business_id=caller.business.public_id)
            return ServiceUser(caller), caller
        caller = caller_from_jwt(raw, request.META.get(BUSINESS_HEADER))
        logs.update(business_id=caller.business.public_id)
        return caller.agent.user, caller

    def authenticate_header(self, request):
        return self.keyword


__all__ = ["BearerAuthentication", "ServiceUser", "errors"]
