"""JSON-safe snapshots of team-tool objects carried by events (see ``conversations.snapshots``)."""

from typing import TypedDict

from conversations.snapshots import AgentSnapshot, agent_snapshot, iso


class NoteSnapshot(TypedDict):
    id: int
    conversation_id: int
    author: AgentSnapshot | None
    content: str
    mentions: list[AgentSnapshot]
    created_at: str | None


def note_snapshot(note, mentions) -> NoteSnapshot:
    return {
        "id": note.pk,
        "conversation_id": note.conversation_id,
        "author": agent_snapshot(note.author),
        "content": note.content,
        "mentions": [a for a in map(agent_snapshot, mentions) if a is not None],
        "created_at": iso(note.created_at),
    }
