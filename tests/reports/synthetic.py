"""Event-log rows shaped like the actions' payloads (the fields the rollups read), at chosen
instants: report figures can then be computed by hand, across days and DST changes."""

from __future__ import annotations

from datetime import datetime

from conversations.models import EventLog
from conversations.snapshots import iso


class Story:
    """Builds one business's event log, conversation by conversation."""

    def __init__(self, business):
        self.business = business
        self.convs: dict[int, dict] = {}
        self.next_id = 1

    def _log(self, type: str, at: datetime, data: dict, conv_id: int | None) -> None:
        row = EventLog.objects.create(
            business=self.business,
            type=type,
            conversation_id=conv_id,
            data=data,
            audience={},
        )
        EventLog.objects.filter(pk=row.pk).update(created_at=at)

    def _snap(self, conv: dict) -> dict:
        first = conv["first_response_at"]
        return {
            "id": conv["id"],
            "channel_type": conv["channel"],
            "assignee": {"id": conv["assignee"]} if conv["assignee"] else None,
            "ai_enabled": conv["ai"],
            "created_at": iso(conv["created_at"]),
            "resolved_at": iso(conv["resolved_at"]),
            "assigned_at": iso(conv["assigned_at"]),
            "first_response_at": iso(first),
            "first_response_seconds": (first - conv["created_at"]).total_seconds()
            if first
            else None,
        }

    def open(self, at: datetime, channel="webchat", ai=False, assignee=None) -> int:
        conv_id = self.next_id
        self.next_id += 1
        self.convs[conv_id] = conv = {
            "id": conv_id,
            "channel": channel,
            "ai": ai,
            "assignee": assignee,
            "created_at": at,
            "resolved_at": None,
            "assigned_at": at if assignee else None,
            "first_response_at": None,
        }
        self._log("conversation.created", at, {"conversation": self._snap(conv)}, conv_id)
        return conv_id

    def message(self, conv_id: int, at: datetime, sender: str, agent: int | None = None) -> None:
        conv = self.convs[conv_id]
        if sender == "agent" and conv["first_response_at"] is None:
            conv["first_response_at"] = at
        msg = {
            "conversation_id": conv_id,
            "sender_type": "system" if sender == "ai" else sender,
            "sender_agent_id": agent,
            "is_ai": sender == "ai",
            "created_at": iso(at),
        }
        self._log(
            "message.created", at, {"message": msg, "conversation": self._snap(conv)}, conv_id
        )

    def assign(self, conv_id: int, at: datetime, agent: int | None) -> None:
        conv = self.convs[conv_id]
        previous = conv["assignee"]
        conv["assignee"], conv["assigned_at"] = agent, (at if agent else None)
        data = {
            "conversation": self._snap(conv),
            "assignee": {"id": agent} if agent else None,
            "previous_assignee": {"id": previous} if previous else None,
        }
        self._log("conversation.assigned", at, data, conv_id)

    def resolve(self, conv_id: int, at: datetime) -> None:
        conv = self.convs[conv_id]
        conv["resolved_at"] = at
        data = {"conversation": self._snap(conv), "status": "resolved"}
        self._log("conversation.status_changed", at, data, conv_id)

    def reopen(self, conv_id: int, at: datetime) -> None:
        data = {"conversation": self._snap(self.convs[conv_id]), "status": "open"}
        self._log("conversation.status_changed", at, data, conv_id)

    def handoff(self, conv_id: int, at: datetime) -> None:
        data = {"conversation": self._snap(self.convs[conv_id])}
        self._log("conversation.handoff_requested", at, data, conv_id)

    def rate(self, conv_id: int, at: datetime, score: int) -> None:
        data = {"conversation": self._snap(self.convs[conv_id]), "rating": {"score": score}}
        self._log("conversation.rated", at, data, conv_id)
