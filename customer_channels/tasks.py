"""Celery tasks of the channel outbox (also run on the in-process pool of the default)."""

from celery import shared_task
from django.db import connection

from customer_channels import csat_link, followup, outbox
from customer_channels.inbound import imap


@shared_task(bind=True, name="customer_channels.tasks.send_outbound", ignore_result=True)
def send_outbound(self, outbound_id: int) -> None:
    """One attempt of one outbound message (a no-op unless it can be claimed)."""
    try:
        outbox.deliver(outbound_id)
    finally:
        if self.request.is_eager:
            connection.close()  # pool threads hold no connection between tasks


@shared_task(name="customer_channels.tasks.sweep_outbound", ignore_result=True)
def sweep_outbound() -> int:
    """Periodic: re-enqueue due sends and those a dead worker left (expired lease)."""
    return outbox.dispatch_due()


@shared_task(name="customer_channels.tasks.poll_imap", ignore_result=True)
def poll_imap() -> int:
    """Periodic: fetch new mail of the email channels that poll a mailbox over IMAP."""
    return imap.poll_all()


@shared_task(name="customer_channels.tasks.sweep_rating_links", ignore_result=True)
def sweep_rating_links() -> int:
    """Periodic: CSAT links a resolution's subscriber did not send (``csat_link``)."""
    return csat_link.sweep_rating_links()


@shared_task(name="customer_channels.tasks.sweep_followups", ignore_result=True)
def sweep_followups() -> int:
    """Periodic: email widget visitors the replies they missed (``customer_channels.followup``)."""
    return followup.sweep_followups()
