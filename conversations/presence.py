"""Real agent presence: online while any inbox tab is connected, in any process.

Each agent socket is a *connection* registered here with an expiry. Its process renews the
expiry every ``PRESENCE_TTL_SECONDS / 3`` (``heartbeat``); a process that dies (even SIGKILLed)
stops renewing, so its connections expire and the next sweep in any live process (or the next
start) sets the agent offline. With ``REDIS_URL`` the registry is in Redis (a sorted set of
connection ids per agent, scored by expiry, and a set of the idle ones), shared by every
process; without it, in this process (one process: ``WEB_CONCURRENCY > 1`` needs Redis).

The status an agent should have:

- no live connection: ``offline`` (a restart therefore leaves nobody falsely online);
- a manual ``away``/``offline`` choice (``AgentPreferences.presence_override``): that choice;
- every live connection idle for ``PRESENCE_IDLE_SECONDS``: ``away``;
- otherwise ``online``.

Every change goes through ``do_set_agent_status`` (the event widgets and inboxes follow).
``is_available`` / ``available_agents`` are the reads other features (auto-assignment,
reports) use.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings

from conversations import errors
from conversations.actions import do_set_agent_status
from conversations.models import Agent, AgentPreferences, Business

ONLINE, AWAY, OFFLINE = Agent.Status.ONLINE, Agent.Status.AWAY, Agent.Status.OFFLINE


def ttl() -> float:
    return float(getattr(settings, "PRESENCE_TTL_SECONDS", 30))


# --- the connection registry -----------------------------------------------------------------


class MemoryRegistry:
    """Connections of this process only."""

    def __init__(self):
        self._lock = threading.Lock()
        self._conns: dict[int, dict[str, float]] = {}
        self._idle: dict[int, set[str]] = {}

    def add(self, agent_id: int, conn: str, expires: float) -> None:
        with self._lock:
            self._conns.setdefault(agent_id, {})[conn] = expires

    def remove(self, agent_id: int, conn: str) -> None:
        with self._lock:
            self._conns.get(agent_id, {}).pop(conn, None)
            self._idle.get(agent_id, set()).discard(conn)

    def set_idle(self, agent_id: int, conn: str, idle: bool) -> bool:
        with self._lock:
            if conn not in self._conns.get(agent_id, {}):
                return False
            group = self._idle.setdefault(agent_id, set())
            (group.add if idle else group.discard)(conn)
            return True

    def live(self, agent_id: int, now: float) -> tuple[int, int]:
        """(live connections, idle live connections), dropping expired ones."""
        with self._lock:
            conns = self._conns.get(agent_id, {})
            for conn in [c for c, exp in conns.items() if exp <= now]:
                del conns[conn]
                self._idle.get(agent_id, set()).discard(conn)
            idle = len(self._idle.get(agent_id, set()) & conns.keys())
            return len(conns), idle

    def clear(self) -> None:
        with self._lock:
            self._conns.clear()
            self._idle.clear()


class RedisRegistry:
    """Connections of every process, in Redis (keys under ``REDIS_PREFIX``)."""

    def __init__(self, url: str, prefix: str):
        import redis

        self.redis = redis.Redis.from_url(url)
        self.prefix = f"{prefix}:presence"

    def _keys(self, agent_id: int) -> tuple[str, str]:
        return f"{self.prefix}:conns:{agent_id}", f"{self.prefix}:idle:{agent_id}"

    def add(self, agent_id: int, conn: str, expires: float) -> None:
        conns, _ = self._keys(agent_id)
        pipe = self.redis.pipeline()
        pipe.zadd(conns, {conn: expires})
        pipe.expire(conns, int(ttl() * 4) + 60)
        pipe.execute()

    def remove(self, agent_id: int, conn: str) -> None:
        conns, idle = self._keys(agent_id)
        pipe = self.redis.pipeline()
        pipe.zrem(conns, conn)
        pipe.srem(idle, conn)
        pipe.execute()

    def set_idle(self, agent_id: int, conn: str, idle: bool) -> bool:
        conns, idle_key = self._keys(agent_id)
        if self.redis.zscore(conns, conn) is None:
            return False
        if idle:
            self.redis.sadd(idle_key, conn)
            self.redis.expire(idle_key, int(ttl() * 4) + 60)
        else:
            self.redis.srem(idle_key, conn)
        return True

    def live(self, agent_id: int, now: float) -> tuple[int, int]:
        conns, idle_key = self._keys(agent_id)
        pipe = self.redis.pipeline()
        pipe.zremrangebyscore(conns, "-inf", now)
        pipe.zrange(conns, 0, -1)
        pipe.smembers(idle_key)
        _, members, idle = pipe.execute()
        members = set(members)
        stale = idle - members
        if stale:
            self.redis.srem(idle_key, *stale)
        return len(members), len(idle & members)

    def clear(self) -> None:
        for key in self.redis.scan_iter(f"{self.prefix}:*"):
            self.redis.delete(key)


_registry = None
_registry_lock = threading.Lock()


def registry():
    global _registry
    with _registry_lock:
        if _registry is None:
            if settings.REDIS_URL:
                _registry = RedisRegistry(settings.REDIS_URL, settings.REDIS_PREFIX)
            else:
                _registry = MemoryRegistry()
        return _registry


# --- what the status should be ---------------------------------------------------------------


def override_of(agent: Agent) -> str:
    prefs = AgentPreferences.objects.filter(agent=agent).values_list("presence_override", flat=True)
    return next(iter(prefs), "")


def desired_status(agent: Agent, now: float | None = None) -> str:
    live, idle = registry().live(agent.pk, now if now is not None else time.time())
    if not live:
        return OFFLINE
    override = override_of(agent)
    if override:
        return override
    return AWAY if idle == live else ONLINE


def recompute(agent: Agent) -> Agent:
    """Bring the stored status in line with the connections (publishes when it changes)."""

    return do_set_agent_status(agent, desired_status(agent))


def connected(agent: Agent, conn: str) -> Agent:
    registry().add(agent.pk, conn, time.time() + ttl())
    return recompute(agent)


def disconnected(agent: Agent, conn: str) -> Agent:
    registry().remove(agent.pk, conn)
    return recompute(agent)


def set_idle(agent: Agent, conn: str, idle: bool) -> Agent | None:
    """A tab reports that its agent has been idle (or is back); None: not their connection."""
    if not registry().set_idle(agent.pk, conn, idle):
        return None
    return recompute(agent)


def set_manual(agent: Agent, status: str) -> Agent:
    """The agent's own choice: ``away``/``offline`` override, ``online`` follows connections."""

    if status not in Agent.Status.values:
        raise errors.ValidationFailed(
            f"Unknown status {status!r}; expected one of {', '.join(Agent.Status.values)}."
        )
    override = "" if status == ONLINE else status
    AgentPreferences.objects.update_or_create(agent=agent, defaults={"presence_override": override})

    if status != ONLINE:
        return do_set_agent_status(agent, status)
    # "Online" with no inbox open would be the lie this module exists to prevent: it takes
    # effect with the connections (at once when a tab is open).
    live, _ = registry().live(agent.pk, time.time())
    return do_set_agent_status(agent, ONLINE if live else OFFLINE)


def heartbeat(conns: dict[str, int]) -> None:
    """Renew this process's live connections (``{connection id: agent id}``)."""
    expires = time.time() + ttl()
    for conn, agent_id in conns.items():
        registry().add(agent_id, conn, expires)


def sweep(business: Business | None = None) -> int:
    """Set offline (or away) every agent whose stored status the connections no longer back:
    connections of a dead process expired, or nobody is connected after a restart."""
    changed = 0
    agents = Agent.objects.exclude(status=OFFLINE).select_related("user", "business")
    if business is not None:
        agents = agents.filter(business=business)
    for agent in agents:
        if recompute(agent).status != agent.status:
            changed += 1
    return changed


# --- reads for other features ------------------------------------------------------------------


def is_available(agent: Agent) -> bool:
    """Online now: a connected inbox, not idle, no manual away/offline."""
    return agent.status == ONLINE


def available_agents(business: Business):
    """The agents of ``business`` who can take a conversation now (see ``is_available``)."""
    return Agent.objects.filter(business=business, status=ONLINE).select_related("user")
