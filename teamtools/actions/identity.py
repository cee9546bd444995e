"""Identity verification for the widget's ``PingBack.identify()`` (docs/team-tools.md).

The business's server signs who its logged-in user is: ``hash = HMAC-SHA256(identity secret,
external id, or the email when there is no id)``, hex. A verified identify links the browser's
widget to that customer (continuing their history; the browser's anonymous visitor, if any, is
merged into them). Without a hash, ``identify`` only fills the visitor's own name and email:
a claimed id or email never reaches anybody else's customer.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from conversations import errors
from conversations.actions import Actor, create_customer, do_identify_customer
from conversations.actions.customers import clean_email, clean_name
from conversations.models import Business, Customer
from conversations.validation import check_text
from teamtools.actions.merge import do_merge_customers
from teamtools.models import IdentitySecret

IDENTITY_FIELDS = {"id", "email", "name", "hash"}


def rotate_identity_secret(business: Business) -> IdentitySecret:
    """Make (or replace) the business's identity secret; the only time its value is shown.
    Hashes signed with the old secret stop verifying at once."""
    secret, _ = IdentitySecret.objects.update_or_create(
        business=business,
        defaults={"secret": "pbid_" + secrets.token_urlsafe(32), "created_at": timezone.now()},
    )
    return secret


def identity_status(business: Business) -> dict:
    """What staff may see later: whether a secret exists, since when, and its last 4 characters."""
    row = IdentitySecret.objects.filter(business=business).first()
    if row is None:
        return {"configured": False, "created_at": None, "hint": ""}
    return {"configured": True, "created_at": row.created_at, "hint": row.secret[-4:]}


def identity_hash(secret: str, identifier: str) -> str:
    """What the business's server computes (documented with examples in docs/team-tools.md)."""
    return hmac.new(secret.encode(), identifier.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Claim:
    external_id: str
    email: str
    name: str
    hash: str | None

    @property
    def identifier(self) -> str:
        return self.external_id or self.email


def parse_claim(data: dict) -> Claim:
    unknown = sorted(set(data) - IDENTITY_FIELDS)
    if unknown:
        raise errors.ValidationFailed(
            f"identify does not take {', '.join(unknown)}: use id, email, name and hash.",
            field=unknown[0],
        )
    external_id = data.get("id")
    if external_id is not None and not isinstance(external_id, (str, int)):
        raise errors.ValidationFailed("id must be a string.", field="id")
    external_id = check_text(str(external_id), "id").strip() if external_id is not None else ""
    if len(external_id) > 200:
        raise errors.ValidationFailed("id must be at most 200 characters.", field="id")
    raw_hash = data.get("hash")
    if raw_hash is not None and (not isinstance(raw_hash, str) or len(raw_hash) > 128):
        raise errors.ValidationFailed("hash must be the hex HMAC-SHA256 string.", field="hash")
    claim = Claim(
        external_id=external_id,
        email=clean_email(data.get("email")),
        name=clean_name(data.get("name")),
        hash=raw_hash.strip().lower() if raw_hash else None,
    )
    if not claim.identifier:
        raise errors.ValidationFailed("identify needs an id or an email.", field="id")
    return claim


def verify(business: Business, claim: Claim) -> None:
    row = IdentitySecret.objects.filter(business=business).first()
    if row is None:
        raise errors.DomainError(
            "This business has no identity secret: create one in Settings → Identity "
            "verification before sending a hash.",
            code="IDENTITY_NOT_CONFIGURED",
        )
    if not hmac.compare_digest(claim.hash or "", identity_hash(row.secret, claim.identifier)):
        raise errors.PermissionDenied(
            "hash does not match: compute HMAC-SHA256(identity secret, id or email) on your "
            "server.",
            code="IDENTITY_HASH_INVALID",
        )


def known_customer(business: Business, claim: Claim) -> Customer | None:
    found = Customer.objects.filter(business=business)
    if claim.external_id:
        found = found.filter(external_id=claim.external_id)
    else:
        found = found.filter(email=claim.email)
    return found.order_by("pk").first()


@dataclass(frozen=True)
class Identified:
    customer: Customer | None
    verified: bool
    switched: bool  # the socket now speaks for a different customer than before


def do_identify_visitor(business: Business, current_id: int | None, data: dict) -> Identified:
    """The widget's ``identify``: see the module docstring. ``current_id`` is the customer the
    socket proved at connect (its session token) or became by sending a message."""
    claim = parse_claim(data)
    current = (
        Customer.objects.filter(business=business, pk=current_id).first() if current_id else None
    )
    if claim.hash is None:
        # Unverified: the visitor's own profile only (as the pre-chat form), never an id.
        if current is not None:
            current = do_identify_customer(
                current,
                name=claim.name or None,
                email=claim.email or None,
                actor=Actor.of_customer(current),
            )
        return Identified(current, verified=False, switched=False)
    verify(business, claim)
    with transaction.atomic():
        target = known_customer(business, claim)
        stranger = current is not None and current.external_id not in ("", claim.external_id)
        if target is None:
            target = current if current is not None and not stranger else None
        elif current is not None and current.pk != target.pk and not stranger:
            # The browser's anonymous visitor becomes the logged-in user: one history.
            target = do_merge_customers(target, current, actor=Actor.of_customer(target))
        if target is None:
            target = create_customer(business, name=claim.name, email=claim.email)
        target = do_identify_customer(
            target,
            name=claim.name or None,
            email=claim.email or None,
            external_id=claim.external_id or None,
            actor=Actor.of_customer(target),
        )
    return Identified(target, verified=True, switched=target.pk != current_id)
