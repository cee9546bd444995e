"""``manage.py createbusiness``: a business and its owner, non-interactively (for scripts)."""

import json

from django.core.management.base import BaseCommand, CommandError

from accounts import actions
from conversations import actions as conv_actions
from conversations import errors


class Command(BaseCommand):
    help = (
        "Create a business and its owner account (an existing account with that email becomes "
        "the owner). Prints the business id; --api-key also creates an API key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="The business name.")
        parser.add_argument("--owner-email", required=True, help="The owner's email (login).")
        parser.add_argument(
            "--owner-name", default="", help="The owner's name (default: the email's local part)."
        )
        parser.add_argument(
            "--password",
            default=None,
            help="The new owner's password. Without it the owner sets one with "
            "'Forgot your password?' on the login page.",
        )
        parser.add_argument("--api-key", action="store_true", help="Also create an API key.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, **opts):
        try:
            result = actions.setup_business(
                opts["name"],
                opts["owner_email"],
                opts["password"],
                opts["owner_name"],
                existing_user_password_required=False,
            )
        except errors.DomainError as exc:
            raise CommandError(exc.message) from None
        business, owner = result.business, result.owner
        raw_key = None
        if opts["api_key"]:
            _, raw_key = conv_actions.create_api_key(
                business, "createbusiness", created_by=owner.user
            )
        out = {
            "business_id": business.public_id,
            "business_name": business.name,
            "owner_email": owner.user.email,
            "owner_created": result.created_user,
            "owner_has_password": owner.user.has_usable_password(),
            "api_key": raw_key,
        }
        if opts["json"]:
            self.stdout.write(json.dumps(out))
            return
        self.stdout.write(f"Business   : {business.name}")
        self.stdout.write(f"business_id: {business.public_id}")
        self.stdout.write(
            f"Owner      : {owner.user.email} "
            f"({'new account' if result.created_user else 'existing account'})"
        )
        if not out["owner_has_password"]:
            self.stdout.write(
                "             no password yet: use 'Forgot your password?' at /inbox/login/"
            )
        if raw_key:
            self.stdout.write(f"API key    : {raw_key}  (shown once)")
