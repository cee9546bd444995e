"""Sending one message on a channel: one module per provider, one ``send`` each.

A provider returns ``Sent``: the HTTP outcome (``webhooks.transport.Outcome``; the shared
transport with its total deadline), the provider's id of the sent message (for receipts),
and whether a failure is permanent (retrying cannot help: a bad token, a blocked chat).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from conversations.models import Message
from customer_channels.models import Channel
from webhooks.transport import Outcome


@dataclass
class Sent:
    outcome: Outcome = field(default_factory=Outcome)
    external_id: str = ""
    error: str = ""
    permanent: bool = False

    @property
    def success(self) -> bool:
        return not self.error and self.outcome.success

    @classmethod
    def refused(cls, reason: str) -> Sent:
        return cls(error=reason[:500], permanent=True)


def json_body(outcome: Outcome) -> dict:
    try:
        data = json.loads(outcome.content or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def http_failure(outcome: Outcome, description: str = "") -> Sent:
    """A failed request: permanent for 4xx other than 408/429 (the request itself is wrong)."""
    code = outcome.status_code
    if code is None:
        return Sent(outcome, error=outcome.error or "no answer")
    text = f"{code} {description}".strip()
    return Sent(outcome, error=text[:500], permanent=400 <= code < 500 and code not in (408, 429))


def send(channel: Channel, message: Message) -> Sent:
    # The provider modules import Sent from here: imported when sending, not at load.
    from customer_channels.providers import api, email, telegram, whatsapp

    senders = {
        "telegram": telegram.send,
        "api": api.send,
        "email": email.send,
        "whatsapp": whatsapp.send,
    }
    sender = senders.get(channel.kind)
    if sender is None:
        return Sent.refused(f"a {channel.kind} channel does not send messages")
    return sender(channel, message)
