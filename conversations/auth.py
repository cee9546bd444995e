"""Who is calling: API keys and agent JWTs, shared by REST, Socket.IO and the topics API.

A JWT names a user; a user may work in several businesses, so every surface names the
business explicitly (REST: the ``X-PingBack-Business`` header unless the user has exactly one
membership; Socket.IO: ``auth.business_id``; topics: the topic path). Never by guess.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from conversations import access, errors
from conversations.actions import Actor
from conversations.models import Agent, ApiKey, Business


@dataclass(frozen=True)
class Caller:
    """An authenticated caller acting for one business."""

    business: Business
    agent: Agent | None = None  # None for API keys
    api_key: ApiKey | None = None

    @property
    def is_manager(self) -> bool:
        """API keys, owners and admins manage the business (keys, webhooks, agents)."""
        return self.agent is None or self.agent.is_manager

    @property
    def actor(self) -> Actor:
        return Actor.of_agent(self.agent) if self.agent else Actor.of_api_key(self.api_key)


def user_from_access_token(raw) -> object:
    """The active user an access JWT names; raises Unauthorized for any bad token."""
    if not isinstance(raw, str) or not raw:
        raise errors.Unauthorized("A token is required.", code="TOKEN_MISSING")
    try:
        token = AccessToken(raw)
    except TokenError as exc:
        raise errors.Unauthorized(f"Invalid token: {exc}", code="TOKEN_INVALID") from None
    user_id = token.get(jwt_settings.USER_ID_CLAIM)
    # One query: the active user, unless this token's jti was revoked (logout).
    user = (
        get_user_model()
        .objects.filter(pk=user_id, is_active=True)
        .filter(~Exists(BlacklistedToken.objects.filter(token__jti=token.get("jti"))))
        .first()
    )
    if user is None:
        raise errors.Unauthorized(
            "The token was revoked or its user does not exist.", code="TOKEN_INVALID"
        )
    if token.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
        raise errors.Unauthorized(
            "The token was revoked by a password change.", code="TOKEN_INVALID"
        )
    return user


def agent_for(user, business: Business) -> Agent:
    agent = access.membership(user, business)
    if agent is None:
        # Same answer as an unknown business: nothing reveals which businesses exist.
        raise errors.BusinessNotFound("Unknown business_id.")
    return agent


def caller_from_jwt(raw, business_public_id: str | None) -> Caller:
    user = user_from_access_token(raw)
    if business_public_id:
        business = access.business_by_public_id(business_public_id)
        return Caller(business=business, agent=agent_for(user, business))
    agents = list(access.memberships(user)[:2])
    if len(agents) == 1:
        return Caller(business=agents[0].business, agent=agents[0])
    if not agents:
        raise errors.PermissionDenied(
            "This user is not an agent of any business.", code="NO_BUSINESS"
        )
    raise errors.ValidationFailed(
        "This user works in several businesses: name one in the X-PingBack-Business header.",
        code="BUSINESS_REQUIRED",
    )


def caller_from_api_key(raw) -> Caller:
    key = access.authenticate_api_key(raw)
    if key is None:
        raise errors.Unauthorized("Invalid or revoked API key.", code="INVALID_API_KEY")
    return Caller(business=key.business, api_key=key)
