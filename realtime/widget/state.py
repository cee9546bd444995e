"""What a widget or agent socket proved at connect, kept per process (a socket lives in one)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from conversations.models import Agent, Business
from pingback import logging as logs
from realtime.ratelimit import TokenBucket


@dataclass
class SocketState:
    """What a socket proved at connect time (kept in this process: a socket lives in one)."""

    business: Business
    agent: Agent | None = None
    customer_id: int | None = None
    joined: set[int] = field(default_factory=set)
    # Conversations this socket proved it may write to (see writable_conversation): a message
    # into one of them skips the access query. A customer's conversations stay theirs; an
    # agent's visibility is re-checked on the locked row inside the write (assignment changes)
    # and the cache is dropped when the agent's membership changes (recheck_agent).
    proved: set[int] = field(default_factory=set)
    # An inbox tab (auth.presence): counts towards the agent's presence (conversations.presence).
    presence: bool = False
    bucket: TokenBucket | None = None
    # One socket's sends are written in the order they came (see write below).
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    observed: logs.OpenSocket | None = None  # counted and logged (pingback.logging)

    @property
    def sender_type(self) -> str:
        return "agent" if self.agent else "customer"


sockets: dict[str, SocketState] = {}


def forget(sid: str, reason) -> None:
    state = sockets.pop(sid, None)
    if state is not None and state.observed is not None:
        state.observed.closed(reason=str(reason) if reason else None)
