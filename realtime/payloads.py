from conversations.snapshots import message_snapshot

"""Server -> client payloads, rendered from event snapshots with the seed's exact fields first.

Extra fields are allowed by the protocol and help clients (``client_id`` to match an optimistic
message, ``sender_agent_id``...); the seed's fields are always present with the seed's types.
"""


def new_message(msg: dict) -> dict:
    return {
        "id": msg["id"],
        "content": msg["content"],
        "sender_type": msg["sender_type"],
        "conversation_id": msg["conversation_id"],
        "created_at": msg["created_at"],
        "client_id": msg.get("client_id"),
        "sender_agent_id": msg.get("sender_agent_id"),
        "sender_name": msg.get("sender_name", ""),
        "is_ai": msg.get("is_ai", False),
        "content_type": msg.get("content_type", "text"),
        # Attachments (docs/attachments.md): URLs signed for the widget/inbox ("view" scope).
        "text": msg.get("text", msg["content"]),
        "attachments": msg.get("attachments", []),
    }


def message_from_model(msg) -> dict:
    return new_message(message_snapshot(msg))


def delivered(receipt: dict, conversation_id: int, reader: str) -> dict:
    return {
        "message_id": receipt["message_id"],
        "delivered_at": receipt["delivered_at"],
        "conversation_id": conversation_id,
        "reader": reader,
    }


def read(receipt: dict, conversation_id: int, reader: str) -> dict:
    return {
        "message_id": receipt["message_id"],
        "read_at": receipt["read_at"],
        "conversation_id": conversation_id,
        "reader": reader,
    }


def agent_status_changed(agent: dict) -> dict:
    return {**agent_status_public(agent), "name": agent["name"]}


def agent_status_public(agent: dict) -> dict:
    """What an anonymous widget may know of an agent: the seed's ``{agent_id, status}``."""
    return {"agent_id": agent["id"], "status": agent["status"]}


def conversation_assigned(data: dict) -> dict:
    conv, actor, assignee = data["conversation"], data["actor"], data.get("assignee")
    return {
        "conversation_id": conv["id"],
        "assigned_by": actor.get("id"),
        "assigned_by_type": actor.get("type"),
        "assignee_id": assignee["id"] if assignee else None,
        "assignee_name": assignee["name"] if assignee else None,
    }


def typing(data: dict) -> dict:
    """Someone composing a message (a person or the AI assistant), the seed's ``typing``."""
    return {
        "conversation_id": data["conversation_id"],
        "user_id": data["user_id"],
        "is_typing": data["is_typing"],
        "sender_type": data["sender_type"],
        "is_ai": data["is_ai"],
    }


def note(note: dict) -> dict:
    """A private note for the staff's sockets (``note_created``)."""
    author = note["author"]
    return {
        "id": note["id"],
        "conversation_id": note["conversation_id"],
        "content": note["content"],
        "author_id": author["id"] if author else None,
        "author_name": author["name"] if author else "",
        "mention_ids": [a["id"] for a in note["mentions"]],
        "created_at": note["created_at"],
    }
