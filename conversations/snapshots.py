"""JSON-safe snapshots of domain objects carried by events.

Each surface (Socket.IO, topics, /ws, webhooks, REST) renders its own shape from these;
they are the one canonical description of an object at the moment of an event.
"""

from datetime import datetime


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def agent_snapshot(agent) -> dict | None:
    if agent is None:
        return None
    return {
        "id": agent.pk,
        "user_id": agent.user_id,
        "name": agent.display_name,
        "email": agent.user.email,
        "role": agent.role,
        "status": agent.status,
    }


def customer_snapshot(customer) -> dict:
    return {
        "id": customer.pk,
        "name": customer.name,
        "email": customer.email,
        "external_id": customer.external_id,
        "metadata": customer.metadata,
        "identified_at": iso(customer.identified_at),
        "created_at": iso(customer.created_at),
    }


def conversation_snapshot(conv) -> dict:
    return {
        "id": conv.pk,
        "business_id": conv.business.public_id,
        "customer": customer_snapshot(conv.customer),
        "channel_type": conv.channel_type,
        "status": conv.status,
        "assignee": agent_snapshot(conv.assignee),
        "needs_human_handoff": conv.needs_human_handoff,
        "handoff_reason": conv.handoff_reason,
        "ai_enabled": conv.ai_enabled,
        "metadata": conv.metadata,
        "first_message_text": conv.first_message_text,
        "last_message_text": conv.last_message_text,
        "message_count": conv.message_count,
        "created_at": iso(conv.created_at),
        "updated_at": iso(conv.updated_at),
        "last_activity_at": iso(conv.last_activity_at),
        "assigned_at": iso(conv.assigned_at),
        "resolved_at": iso(conv.resolved_at),
        "closed_at": iso(conv.closed_at),
        "first_response_at": iso(conv.first_response_at),
        "first_response_seconds": conv.first_response_seconds,
    }


def message_snapshot(msg) -> dict:
    return {
        "id": msg.pk,
        "conversation_id": msg.conversation_id,
        "sender_type": msg.sender_type,
        "sender_agent_id": msg.sender_agent_id,
        "is_ai": msg.is_ai,
        "kind": msg.kind,
        "content_type": msg.content_type,
        "content": msg.content,
        "client_id": msg.client_id,
        "created_at": iso(msg.created_at),
        "delivered_at": iso(msg.delivered_at),
        "read_at": iso(msg.read_at),
    }
