"""The ``/ws`` event stream's frames, rendered with the shared PocketPing renderer.

Sessions, messages, visitors and agents look exactly as in the REST ``sessions`` resource and
in webhook bodies (``conversations.pocketping``).
"""

from __future__ import annotations

from conversations.events import DomainEvent, EventType
from conversations.pocketping import agent, message, receipts, session, visitor


def frames(event: DomainEvent) -> list[dict]:
    """The ``/ws`` frames an event becomes (usually one)."""
    d = event.data
    conv = d.get("conversation")
    sid = str(event.conversation_id) if event.conversation_id else None
    t = event.type
    if t == EventType.CONVERSATION_CREATED:
        return [{"type": "session.created", "session": session(conv)}]
    if t == EventType.MESSAGE_CREATED:
        return [{"type": "message.created", "sessionId": sid, "message": message(d["message"])}]
    if t == EventType.CONVERSATION_STATUS_CHANGED:
        out = [
            {
                "type": "session.status_changed",
                "sessionId": sid,
                "conversationStatus": d["status"],
                "previousConversationStatus": d["previous_status"],
                "session": session(conv),
            }
        ]
        if d["status"] == "closed":
            out.append({"type": "session.closed", "sessionId": sid})
        return out
    if t == EventType.CONVERSATION_ASSIGNED:
        return [
            {
                "type": "session.assigned",
                "sessionId": sid,
                "assignee": agent(d.get("assignee")),
                "previousAssignee": agent(d.get("previous_assignee")),
                "session": session(conv),
            }
        ]
    if t == EventType.CONVERSATION_HANDOFF_REQUESTED:
        return [
            {
                "type": "session.handoff_requested",
                "sessionId": sid,
                "reason": d.get("reason", ""),
                "session": session(conv),
            }
        ]
    if t == EventType.CONVERSATION_HANDOFF_CLEARED:
        return [{"type": "session.handoff_cleared", "sessionId": sid, "session": session(conv)}]
    if t == EventType.CONVERSATION_AI_TOGGLED:
        return [{"type": "session.ai_toggled", "sessionId": sid, "enabled": d["enabled"]}]
    if t in (EventType.MESSAGES_DELIVERED, EventType.MESSAGES_READ):
        return [{"type": str(t), **receipts(d)}]
    if t == EventType.CUSTOMER_IDENTIFIED:
        return [{"type": "customer.identified", "visitor": visitor(d["customer"])}]
    if t == EventType.AGENT_STATUS_CHANGED:
        return [
            {
                "type": "agent.status_changed",
                "agent": agent(d["agent"]),
                "previousStatus": d["previous_status"],
            }
        ]
    return []
