import json
import logging
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from conversations.demo import ensure_demo
from pingback.tasks import wait_for_local_tasks


@contextmanager
def quiet_tasks(verbosity: int):
    """Task start/end lines at WARNING while seeding, unless ``-v 2`` or more."""
    names = ("pingback.tasks", "celery.app.trace")
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    if verbosity < 2:
        for lg in loggers:
            lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


class Command(BaseCommand):
    help = "Create (once) the demo business with an owner, an agent, customers and conversations."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument("--password", help="Password for the demo owner and agent.")
        parser.add_argument("--api-key", help="Use this API key (prefixed with pbk_ if needed).")

    def handle(self, *args, **options):
        # Seeding is not news: the agents' notification emails it would trigger (sixteen of
        # them, printed by the console backend over the credentials below) are kept in memory
        # and dropped, once the background subscribers that send them have finished.
        # Nor are the in-process tasks it runs (a hundred INFO lines before the credentials).
        with override_settings(EMAIL_URL="locmem://"), quiet_tasks(options["verbosity"]):
            result = ensure_demo(password=options["password"], api_key=options["api_key"])
            wait_for_local_tasks()
        site = settings.SITE_URL
        info = {
            "business_id": result.business.public_id,
            "business_name": result.business.name,
            "owner": {"email": result.owner_email, "password": result.password},
            "agent": {"email": result.agent_email, "password": result.password},
            "api_key": result.api_key,
            "created": result.created,
            "urls": {
                "inbox": f"{site}/inbox/",
                "widget_demo": f"{site}/widget/demo/",
                "admin": f"{site}/admin/",
                "api": f"{site}/api/v1/",
                "api_docs": f"{site}/api/v1/docs/",
            },
        }
        if options["json"]:
            self.stdout.write(json.dumps(info))
            return
        verb = "Created" if result.created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} demo business '{info['business_name']}'"))
        self.stdout.write(f"  business_id : {info['business_id']}")
        shown = result.password or (
            "(password unchanged; reset it with: python manage.py changepassword <email>)"
        )
        self.stdout.write(f"  owner       : {result.owner_email} / {shown}")
        self.stdout.write(f"  agent       : {result.agent_email} / {shown}")
        self.stdout.write(f"  API key     : {result.api_key}")
        for name, url in info["urls"].items():
            self.stdout.write(f"  {name:<12}: {url}")
