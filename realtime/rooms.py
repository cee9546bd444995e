"""Socket.IO room names, and which rooms an event's audience reaches.

The public rooms are the seed's ``business_{business_id}`` (agents only) and
``conversation_{conversation_id}`` (every socket that joined). Emits never target them blindly:
they go to audience sub-rooms, so Redis fan-out across processes still honours
``event.audience`` without a per-socket check in each process:

- ``conversation_{id}_customer``: sockets of the conversation's own customer.
- ``conversation_{id}_managers``: owner/admin sockets that joined it.
- ``conversation_{id}_agents``: plain-agent sockets that joined it (reached while unassigned).
- ``conversation_{id}_agent_{agent}``: one plain agent's sockets that joined it (reached while
  assigned to them, or when the audience names them, e.g. the agent who just lost it).
- ``business_{pid}_managers`` / ``business_{pid}_agents`` / ``agent_{agent}``: the same split
  for org-wide events about one conversation (``conversation_assigned``).
- ``widgets_{pid}``: every widget socket of a business, for events the audience opens to all
  widgets (agent availability).
"""

from conversations.events import Audience


def business(public_id: str) -> str:
    return f"business_{public_id}"


def conversation(conversation_id: int) -> str:
    return f"conversation_{conversation_id}"


def widgets(public_id: str) -> str:
    return f"widgets_{public_id}"


def agent_rooms_on_connect(public_id: str, agent_id: int, is_manager: bool) -> list[str]:
    return [
        business(public_id),
        f"business_{public_id}_{'managers' if is_manager else 'agents'}",
        f"agent_{agent_id}",
    ]


def conversation_rooms_for_customer(conversation_id: int) -> list[str]:
    return [conversation(conversation_id), f"conversation_{conversation_id}_customer"]


def conversation_rooms_for_agent(conversation_id: int, agent_id: int, is_manager: bool) -> list:
    base = f"conversation_{conversation_id}"
    if is_manager:
        return [base, f"{base}_managers"]
    return [base, f"{base}_agents", f"{base}_agent_{agent_id}"]


def conversation_targets(audience: Audience, business_pk: int) -> list[str]:
    """Sub-rooms of ``conversation_{id}`` whose members the audience allows."""
    base = f"conversation_{audience.conversation_id}"
    rooms = [f"{base}_managers"]
    if audience.allows_customer(audience.customer_id, business_pk):
        rooms.append(f"{base}_customer")
    if audience.assignee_id is None:
        rooms.append(f"{base}_agents")
    else:
        rooms.append(f"{base}_agent_{audience.assignee_id}")
    rooms += [f"{base}_agent_{a}" for a in audience.agent_ids if a != audience.assignee_id]
    return rooms


def business_targets(audience: Audience, public_id: str) -> list[str]:
    """Agent rooms of the business the audience allows (org-wide events)."""
    if audience.conversation_id is None:
        rooms = [business(public_id)]
        if audience.allows_customer(None, audience.business_id):
            rooms.append(widgets(public_id))
        return rooms
    rooms = [f"business_{public_id}_managers"]
    if audience.assignee_id is None:
        rooms.append(f"business_{public_id}_agents")
    else:
        rooms.append(f"agent_{audience.assignee_id}")
    rooms += [f"agent_{a}" for a in audience.agent_ids if a != audience.assignee_id]
    return rooms
