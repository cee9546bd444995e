"""IMAP polling (beat, every ``CHANNELS_IMAP_POLL_SECONDS``): new mail of every email channel
with an ``imap_host`` becomes inbound messages.

Unseen messages are fetched with ``BODY.PEEK[]`` (reading does not mark them), stored through
``inbound.email.receive`` and only then flagged ``\\Seen``: a crash in between fetches the
message again next time, and its Message-ID makes the second store a no-op.
"""

from __future__ import annotations

import imaplib
import logging

from django.conf import settings

from customer_channels import actions
from customer_channels.inbound import email
from customer_channels.models import Channel

logger = logging.getLogger(__name__)
BATCH = 50


def _connect(channel: Channel) -> imaplib.IMAP4:
    s = channel.settings
    use_ssl = s.get("imap_ssl", True)
    port = s.get("imap_port") or (993 if use_ssl else 143)
    timeout = settings.CHANNELS_SEND_TIMEOUT_SECONDS
    if use_ssl:
        return imaplib.IMAP4_SSL(s["imap_host"], port, timeout=timeout)
    return imaplib.IMAP4(s["imap_host"], port, timeout=timeout)


def poll_channel(channel: Channel) -> int:
    """Store the channel's unseen mail; returns how many messages were new."""
    s = channel.settings
    password = actions.credentials_of(channel).get("imap_password", "")
    created = 0
    with _connect(channel) as imap:
        imap.login(s.get("imap_username") or s["address"], password)
        imap.select(s.get("imap_folder") or "INBOX")
        _, data = imap.uid("SEARCH", None, "UNSEEN")
        for uid in (data[0] or b"").split()[:BATCH]:
            _, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if raw is None:
                continue
            try:
                _, new = email.receive(channel, raw)
            except Exception:
                logger.exception("email channel %s: message uid %s not stored", channel.pk, uid)
                continue  # left unseen: tried again on the next poll
            created += int(new)
            imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    return created


def poll_all() -> int:
    total = 0
    channels = Channel.objects.select_related("business").filter(
        kind=Channel.Kind.EMAIL, enabled=True, settings__has_key="imap_host"
    )
    for channel in channels:
        try:
            total += poll_channel(channel)
        except (OSError, imaplib.IMAP4.error) as exc:
            logger.warning("email channel %s: IMAP polling failed: %s", channel.pk, exc)
    return total
