"""Who may see a conversation, and so who may receive an event: the one rule.

- Owners and admins (managers) see every conversation of their business.
- A plain agent sees the conversations assigned to them and the unassigned ones.
- API keys act for their business and see everything in it.
- A widget (customer) sees only its own customer's conversations, plus business-wide news
  (agent availability) when an event opens itself to every widget.

The rule is written once, as *keys*. A conversation has the keys of the staff who may see it
(:func:`conversation_keys`), a viewer holds keys (:func:`viewer_keys`), and a viewer may see a
conversation when the two share a key. Everything else derives from that:

- the queryset filter (:func:`conversation_q`) turns each key a viewer holds into a condition;
- an event's :class:`Audience` carries the keys of the staff allowed to receive it, checked per
  receiver (:meth:`Audience.allows_agent`);
- Socket.IO room names are ``<scope>_<key>`` (``realtime.rooms``): a socket joins its keys'
  rooms and an event is emitted to its audience keys' rooms.

``tests/test_visibility.py`` proves with Hypothesis that the three forms agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q

MANAGERS = "managers"  # every owner and admin of the business
UNASSIGNED = "agents"  # every plain agent: the key of an unassigned conversation


def agent_key(agent_id: int) -> str:
    """The key of one plain agent: the key of a conversation assigned to them."""
    return f"agent_{agent_id}"


def conversation_keys(assignee_id: int | None) -> frozenset[str]:
    """The keys of the staff who may see a conversation with this assignee."""
    return frozenset((MANAGERS, UNASSIGNED if assignee_id is None else agent_key(assignee_id)))


def viewer_keys(agent_id: int, is_manager: bool) -> frozenset[str]:
    """The keys a member holds."""
    if is_manager:
        return frozenset((MANAGERS,))
    return frozenset((UNASSIGNED, agent_key(agent_id)))


def can_see(agent_id: int, is_manager: bool, assignee_id: int | None) -> bool:
    return bool(viewer_keys(agent_id, is_manager) & conversation_keys(assignee_id))


def _key_q(key: str) -> Q:
    if key == MANAGERS:
        return Q()
    if key == UNASSIGNED:
        return Q(assignee__isnull=True)
    return Q(assignee_id=int(key.removeprefix("agent_")))


def conversation_q(agent_id: int | None, is_manager: bool) -> Q:
    """The filter of the conversations a member may see (``agent_id`` None: an API key)."""
    if agent_id is None:
        return Q()
    q = None
    for key in sorted(viewer_keys(agent_id, is_manager)):
        if key == MANAGERS:
            return Q()
        q = _key_q(key) if q is None else q | _key_q(key)
    return q


class WidgetScope(StrEnum):
    """Which anonymous widget sockets of the business may receive an event."""

    NONE = "none"  # staff only
    CONVERSATION = "conversation"  # the conversation's own customer
    BUSINESS = "business"  # every widget of the business (e.g. agent availability)


@dataclass(frozen=True)
class Audience:
    """Who may receive an event. Decided by the action, enforced by every surface.

    ``staff_keys`` are the visibility keys of the staff allowed; ``None`` means every member of
    the business (events that are not about one conversation). For a conversation event they are
    the conversation's keys, plus those of whoever could see it just before the change (the agent
    a conversation was taken from, or every plain agent when an unassigned one gets assigned),
    so their views learn it is gone, and nothing after that.
    """

    business_id: int
    conversation_id: int | None = None
    customer_id: int | None = None
    widgets: WidgetScope = WidgetScope.NONE
    staff_keys: frozenset[str] | None = None

    @classmethod
    def of_conversation(
        cls, conv, widgets: WidgetScope = WidgetScope.CONVERSATION, previous_assignees=()
    ) -> Audience:
        """A conversation event's audience; ``previous_assignees`` saw it before this change."""
        keys = set(conversation_keys(conv.assignee_id))
        for previous in previous_assignees:
            keys |= conversation_keys(previous)
        return cls(
            business_id=conv.business_id,
            conversation_id=conv.pk,
            customer_id=conv.customer_id,
            widgets=widgets,
            staff_keys=frozenset(keys),
        )

    def allows_agent(self, agent_id: int, business_id: int, is_manager: bool) -> bool:
        if business_id != self.business_id:
            return False
        if self.staff_keys is None:
            return True
        return bool(viewer_keys(agent_id, is_manager) & self.staff_keys)

    def allows_customer(self, customer_id: int | None, business_id: int) -> bool:
        if business_id != self.business_id:
            return False
        if self.widgets == WidgetScope.BUSINESS:
            return True
        if self.widgets == WidgetScope.CONVERSATION:
            return customer_id is not None and customer_id == self.customer_id
        return False

    def to_json(self) -> dict:
        return {
            "business_id": self.business_id,
            "conversation_id": self.conversation_id,
            "customer_id": self.customer_id,
            "widgets": str(self.widgets),
            "staff_keys": None if self.staff_keys is None else sorted(self.staff_keys),
        }

    @classmethod
    def from_json(cls, data: dict) -> Audience:
        keys = data.get("staff_keys")
        if keys is None and data.get("conversation_id") is not None and "staff_keys" not in data:
            # A row written before staff keys existed: rebuild them from its assignee fields.
            found = set(conversation_keys(data.get("assignee_id")))
            found |= {agent_key(a) for a in data.get("agent_ids", ())}
            keys = found
        return cls(
            business_id=data["business_id"],
            conversation_id=data.get("conversation_id"),
            customer_id=data.get("customer_id"),
            widgets=WidgetScope(data.get("widgets", "none")),
            staff_keys=None if keys is None else frozenset(keys),
        )
