"""Socket.IO room names, derived from the visibility keys (``conversations.visibility``).

The public rooms are the seed's ``business_{business_id}`` (agents only) and
``conversation_{conversation_id}`` (every socket that joined). Emits never target them blindly:
they go to per-key sub-rooms, so Redis fan-out across processes honours ``event.audience``
without a per-socket check in each process. A socket joins the rooms of the keys it holds; an
event goes to the rooms of its audience's keys; a socket receives it when the two share a key,
which is exactly ``Audience.allows_agent``:

- ``conversation_{id}_{key}``: staff sockets that joined conversation ``id`` and hold ``key``
  (``managers``, ``agents``, ``agent_{agent id}``); ``conversation_{id}_customer``: the
  conversation's own customer;
- ``business_{pid}_{key}``: the same for org-wide events about one conversation
  (``new_conversation``, ``conversation_assigned``);
- ``agent_{agent}``: one agent's sockets, for control messages (membership changes);
- ``widgets_{pid}``: every widget socket of a business, for events the audience opens to all
  widgets (agent availability).
"""

from conversations.visibility import Audience, viewer_keys

CUSTOMER = "customer"


def business(public_id: str) -> str:
    return f"business_{public_id}"


def conversation(conversation_id: int) -> str:
    return f"conversation_{conversation_id}"


def widgets(public_id: str) -> str:
    return f"widgets_{public_id}"


def agent(agent_id: int) -> str:
    return f"agent_{agent_id}"


def customer(customer_id: int) -> str:
    """Every widget socket with a session of one customer (conversations an agent starts)."""
    return f"customer_{customer_id}"


def agent_rooms_on_connect(public_id: str, agent_id: int, is_manager: bool) -> list[str]:
    keys = sorted(viewer_keys(agent_id, is_manager))
    return [business(public_id), *(f"{business(public_id)}_{k}" for k in keys), agent(agent_id)]


def conversation_rooms_for_customer(conversation_id: int) -> list[str]:
    return [conversation(conversation_id), f"{conversation(conversation_id)}_{CUSTOMER}"]


def conversation_rooms_for_agent(conversation_id: int, agent_id: int, is_manager: bool) -> list:
    base = conversation(conversation_id)
    return [base, *(f"{base}_{k}" for k in sorted(viewer_keys(agent_id, is_manager)))]


def conversation_targets(audience: Audience) -> list[str]:
    """Sub-rooms of ``conversation_{id}`` whose members the audience allows."""
    base = conversation(audience.conversation_id)
    rooms = [f"{base}_{k}" for k in sorted(audience.staff_keys or ())]
    if audience.allows_customer(audience.customer_id, audience.business_id):
        rooms.append(f"{base}_{CUSTOMER}")
    return rooms


def business_targets(audience: Audience, public_id: str) -> list[str]:
    """Agent rooms of the business the audience allows (org-wide events)."""
    if audience.staff_keys is None:
        rooms = [business(public_id)]
        if audience.allows_customer(None, audience.business_id):
            rooms.append(widgets(public_id))
        return rooms
    return [f"{business(public_id)}_{k}" for k in sorted(audience.staff_keys)]
