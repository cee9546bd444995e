"""Account actions: first run (a business and its owner), invitations, team changes, passwords.

Each one validates, changes state in one transaction and goes through the existing membership
actions (``conversations.actions.add_agent`` / ``remove_agent``, which publish
``agent.membership_changed`` so open connections re-check at once). Emails are sent after the
commit through ``pingback.email``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.models import Invitation, new_token, token_hash
from conversations import actions, errors
from conversations.models import Agent, Business

INVITATION_INVALID = "This invitation link is invalid, expired or already used."
RESET_INVALID = "This password reset link is invalid, expired or already used."


def clean_email(email: str) -> str:
    if email is not None and not isinstance(email, str):
        raise errors.ValidationFailed("The email must be a string.")
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise errors.ValidationFailed(
            f"{email or 'An empty value'} is not an email address."
        ) from None
    return email


def check_password_rules(password: str, user=None) -> None:
    try:
        password_validation.validate_password(password or "", user)
    except ValidationError as exc:
        raise errors.ValidationFailed(" ".join(exc.messages), code="WEAK_PASSWORD") from None


def clean_name(value: str, what: str, max_length: int) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise errors.ValidationFailed(f"{what} is required.")
    if len(value) > max_length:
        raise errors.ValidationFailed(f"{what} is longer than {max_length} characters.")
    return value


def user_by_email(email: str):
    return get_user_model().objects.filter(email__iexact=email).order_by("pk").first()


def _new_user(email: str, name: str, password: str | None):
    first, _, last = name.partition(" ")
    user = get_user_model()(
        username=email, email=email, first_name=first[:150], last_name=last[:150]
    )
    if password:
        check_password_rules(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


@dataclass
class SetupResult:
    business: Business
    owner: Agent
    created_user: bool


def setup_business(
    name: str,
    owner_email: str,
    password: str | None = None,
    owner_name: str = "",
    *,
    existing_user_password_required: bool = True,
) -> SetupResult:
    """A new business and its owner. A new owner account gets ``password`` (an unusable one
    without: they set it through a password reset). An existing account (``createsuperuser``,
    a member of another business) becomes the owner; from a web form only with its password.
    """
    name = clean_name(name, "The business name", 200)
    email = clean_email(owner_email)
    with transaction.atomic():
        user = user_by_email(email)
        created = user is None
        if user is None:
            user = _new_user(
                email, clean_name(owner_name or email.split("@")[0], "Your name", 150), password
            )
        elif existing_user_password_required and not user.check_password(password or ""):
            raise errors.Conflict(
                f"An account with {email} exists already: enter its password to use it.",
                code="ACCOUNT_EXISTS",
            )
        business = actions.create_business(name)
        owner = actions.add_agent(business, user, Agent.Role.OWNER)
    return SetupResult(business, owner, created)


def may_sign_up() -> bool:
    """The setup page is open on a fresh install (no business yet) or with ALLOW_SIGNUP."""
    return settings.ALLOW_SIGNUP or not Business.objects.exists()


# --- invitations --------------------------------------------------------------------------


@dataclass(frozen=True)
class Manager:
    """Who manages the team: an owner or admin, or an API key (with an admin's rights)."""

    business: Business
    role: str
    user: object | None = None

    @classmethod
    def of_agent(cls, agent: Agent) -> Manager:
        return cls(agent.business, agent.role, agent.user)

    @classmethod
    def of_caller(cls, caller) -> Manager:
        """A REST caller (``conversations.auth.Caller``)."""
        if caller.agent is not None:
            return cls.of_agent(caller.agent)
        return cls(caller.business, Agent.Role.ADMIN)

    @property
    def business_id(self) -> int:
        return self.business.pk


def require_manager(by: Manager) -> None:
    if by.role not in (Agent.Role.OWNER, Agent.Role.ADMIN):
        raise errors.PermissionDenied(
            "Only owners and admins manage the team.", code="NOT_A_MANAGER"
        )


def check_role_change(by: Manager, role: str, target_role: str | None = None) -> None:
    """Owners grant any role; admins manage agents and admins, never owners."""
    require_manager(by)
    if not isinstance(role, str) or role not in Agent.Role.values:
        raise errors.ValidationFailed(
            f"Unknown role {role!r}; expected one of {', '.join(Agent.Role.values)}."
        )
    if by.role != Agent.Role.OWNER and Agent.Role.OWNER in (role, target_role):
        raise errors.PermissionDenied(
            "Only an owner grants or takes the owner role.", code="OWNER_ONLY"
        )


def invite(by: Manager, email: str, role: str = Agent.Role.AGENT) -> tuple[Invitation, str]:
    """An invitation for ``email``; returns it and its raw token (only ever in the email).
    A new invitation to the same address replaces the pending one."""
    check_role_change(by, role)
    email = clean_email(email)
    if Agent.objects.filter(business_id=by.business_id, user__email__iexact=email).exists():
        raise errors.Conflict(
            f"{email} is already a member of this business.", code="ALREADY_MEMBER"
        )
    raw = new_token()
    now = timezone.now()
    with transaction.atomic():
        Invitation.objects.filter(
            business_id=by.business_id, email=email, accepted_at=None, revoked_at=None
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            business_id=by.business_id,
            email=email,
            role=role,
            token_hash=token_hash(raw),
            invited_by=by.user,
            created_at=now,
            expires_at=now + timedelta(hours=settings.INVITATION_MAX_AGE_HOURS),
        )
    return invitation, raw


def pending_invitation(raw: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("business", "invited_by")
        .filter(token_hash=token_hash(raw or ""))
        .first()
    )
    if invitation is None or not invitation.is_pending:
        raise errors.NotFound(INVITATION_INVALID, code="INVITATION_INVALID")
    return invitation


def accept_invitation(raw: str, name: str, password: str) -> Agent:
    """Join the business: a new account with ``name`` and ``password``, or, for an address that
    has an account already, that account (``password`` must be its password)."""
    with transaction.atomic():
        invitation = pending_invitation(raw)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_pending:  # accepted by a concurrent request
            raise errors.NotFound(INVITATION_INVALID, code="INVITATION_INVALID")
        user = user_by_email(invitation.email)
        if user is None:
            user = _new_user(invitation.email, clean_name(name, "Your name", 150), password)
        elif not user.check_password(password or ""):
            raise errors.Unauthorized(
                f"{invitation.email} has an account already: enter its password to join.",
                code="INVALID_CREDENTIALS",
            )
        agent = actions.add_agent(invitation.business, user, invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
    return agent


def revoke_invitation(by: Manager, invitation_id) -> Invitation:
    require_manager(by)
    invitation = Invitation.objects.filter(business_id=by.business_id, pk=invitation_id).first()
    if invitation is None:
        raise errors.NotFound("Unknown invitation.", code="INVITATION_NOT_FOUND")
    if invitation.revoked_at is None and invitation.accepted_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


# --- team -----------------------------------------------------------------------------------


def _owners_left(business_id, without: Agent) -> int:
    return (
        Agent.objects.filter(business_id=business_id, role=Agent.Role.OWNER)
        .exclude(pk=without.pk)
        .count()
    )


def change_role(by: Manager, target: Agent, role: str) -> Agent:
    check_role_change(by, role, target.role)
    if target.business_id != by.business_id:
        raise errors.AgentNotFound("Agent not found.")
    with transaction.atomic():
        demoted = target.role == Agent.Role.OWNER and role != Agent.Role.OWNER
        if demoted and not _owners_left(target.business_id, target):
            raise errors.Conflict("A business keeps at least one owner.", code="LAST_OWNER")
        return actions.add_agent(target.business, target.user, role)


def remove_member(by: Manager, target: Agent) -> None:
    check_role_change(by, target.role, target.role)
    if target.business_id != by.business_id:
        raise errors.AgentNotFound("Agent not found.")
    with transaction.atomic():
        if target.role == Agent.Role.OWNER and not _owners_left(target.business_id, target):
            raise errors.Conflict("A business keeps at least one owner.", code="LAST_OWNER")
        actions.remove_agent(target)


# --- passwords ------------------------------------------------------------------------------


def reset_token(user) -> str:
    """``<uid>.<token>``: Django's token, invalid once the password changed (single use) and
    after PASSWORD_RESET_TIMEOUT."""
    return (
        f"{urlsafe_base64_encode(force_bytes(user.pk))}.{default_token_generator.make_token(user)}"
    )


def user_for_reset(raw: str):
    uid, _, token = (raw or "").partition(".")
    try:
        pk = force_str(urlsafe_base64_decode(uid))
        user = get_user_model().objects.filter(pk=int(pk), is_active=True).first()
    except (ValueError, TypeError, OverflowError):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        raise errors.NotFound(RESET_INVALID, code="RESET_LINK_INVALID")
    return user


def reset_password(raw: str, password: str):
    """Set a new password from a reset link; every session token of the user stops working
    (``conversations.tokens`` revokes them when the password changes)."""
    with transaction.atomic():
        user = user_for_reset(raw)
        check_password_rules(password, user)
        user.set_password(password)
        user.save()
    return user


def change_password(user, current: str, new: str) -> None:
    if not user.check_password(current or ""):
        raise errors.Unauthorized("The current password is wrong.", code="INVALID_CREDENTIALS")
    check_password_rules(new, user)
    user.set_password(new)
    user.save()
