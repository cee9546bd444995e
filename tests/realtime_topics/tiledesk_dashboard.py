"""A test harness that handles topics frames the way Tiledesk's open-source dashboard does.

Each rule below is a port (not a copy) of what ``Tiledesk/tiledesk-dashboard`` does with the
frames of its realtime server; the file and method it comes from are named at each step:

- ``src/app/services/websocket/websocket-js.ts`` — the socket: answers ``ping`` heartbeats with
  ``pong``; ``onmessage`` calls ``onCreate``/``onUpdate`` per element when ``payload.message``
  is an array, or once with the object itself otherwise; ``reconnect`` waits
  ``min(attempts * 1000, 30000)`` ms and ``onopen`` resets ``attempts`` to 0.
- ``src/app/services/websocket/ws-requests.service.ts`` — the ``/requests`` list:
  ``onCreate`` adds a request whose ``id`` is not listed; ``updateWsRequests`` adds an unknown
  one, replaces a known one (matched by ``_id``), and removes it when ``status === 1000``.
  Presence: ``/<project>/project_users/users/<id>`` (``subscribeToWS_RequesterPresence``,
  ``subscriptionToWsAllProjectUsersOfTheProject``) keeps the latest object.
- ``src/app/services/websocket/ws-msgs.service.ts`` — the messages of one request:
  ``onCreate`` adds a message whose ``_id`` is not listed; ``updateWsMsg`` replaces the listed
  message with the UPDATE's object.
- ``src/app/ws_requests/ws-requests-list/ws-requests-list.component.ts`` — "unserved" holds
  status 100 or 150 (oldest first), "served" status 200 (newest first).
- ``src/app/ws_requests/ws-requests-msgs/ws-requests-msgs.component.{ts,html}`` —
  ``requester_id = request.lead.lead_id``; a message with ``attributes.subtype === 'info'`` is
  a notice; otherwise it is the visitor's bubble when ``requester_id === message.sender``, else
  the team's, shown as a bot when ``sender`` contains ``bot_``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PONG = {"action": "heartbeat", "payload": {"message": {"text": "pong"}}}
MAX_RECONNECT_DELAY_MS = 30000


def reconnect_delays(opens: list[bool]) -> list[int]:
    """websocket-js.ts ``reconnect``/``onopen``: the wait before each retry, given whether each
    attempt opened a socket (an open resets the back-off)."""
    attempts, delays = 0, []
    for opened in opens:
        if opened:
            attempts = 0
        attempts += 1
        delays.append(min(attempts * 1000, MAX_RECONNECT_DELAY_MS))
    return delays


@dataclass
class Dashboard:
    project_id: str
    requests: list[dict] = field(default_factory=list)
    messages: dict[str, list[dict]] = field(default_factory=dict)  # topic -> messages
    request: dict | None = None  # the open request's detail (wsRequest$)
    presence: dict[str, dict] = field(default_factory=dict)  # topic -> project user
    sent: list[dict] = field(default_factory=list)  # frames the client answered with

    # --- websocket-js.ts onmessage ------------------------------------------------------------

    def on_frame(self, frame: dict) -> None:
        if frame.get("action") == "heartbeat":
            if frame["payload"]["message"]["text"] == "ping":
                self.sent.append(PONG)
            return
        payload = frame["payload"]
        message = payload.get("message")
        elements = message if isinstance(message, list) else [message]
        for element in elements:
            if payload.get("method") == "CREATE":
                self.on_create(payload["topic"], element)
            elif payload.get("method") == "UPDATE":
                self.on_update(payload["topic"], element)

    def _kind(self, topic: str) -> str:
        parts = topic.strip("/").split("/")[1:]
        if parts == ["requests"]:
            return "requests"
        if parts[0] == "requests":
            return "messages" if parts[-1] == "messages" else "request"
        return "presence"

    def on_create(self, topic: str, data: dict) -> None:
        kind = self._kind(topic)
        if kind == "requests":  # ws-requests.service.ts, onCreate of /requests
            if not any(r["id"] == data["id"] for r in self.requests):
                self.requests.append(data)
        elif kind == "messages":  # ws-msgs.service.ts subsToWS_MsgsByRequestId, onCreate
            msgs = self.messages.setdefault(topic, [])
            if not any(m["_id"] == data["_id"] for m in msgs):
                msgs.append(data)
        elif kind == "request":  # addWsRequest
            self.request = data
        else:
            self.presence[topic] = data

    def on_update(self, topic: str, data: dict) -> None:
        kind = self._kind(topic)
        if kind == "requests":  # ws-requests.service.ts updateWsRequests
            if not any(r["id"] == data["id"] for r in self.requests):
                self.requests.append(data)
            for i, r in enumerate(self.requests):
                if r["_id"] == data["_id"]:
                    if data["status"] != 1000:
                        self.requests[i] = data
                    else:
                        del self.requests[i]
                    break
        elif kind == "messages":  # ws-msgs.service.ts updateWsMsg
            msgs = self.messages.setdefault(topic, [])
            for i, m in enumerate(msgs):
                if m["_id"] == data["_id"]:
                    msgs[i] = data
        elif kind == "request":  # updateWsRequest
            self.request = data
        else:
            self.presence[topic] = data

    # --- what the screens show ----------------------------------------------------------------

    def unserved(self) -> list[dict]:
        """ws-requests-list.component.ts: status 100 or 150, oldest first."""
        rows = [r for r in self.requests if r["status"] in (100, 150)]
        return sorted(rows, key=lambda r: r["createdAt"])

    def served(self) -> list[dict]:
        """ws-requests-list.component.ts: status 200, newest first."""
        rows = [r for r in self.requests if r["status"] == 200]
        return sorted(rows, key=lambda r: r["createdAt"], reverse=True)

    def transcript(self, request_id: str) -> list[tuple[str, str, str]]:
        """ws-requests-msgs.component.html: (side, who, text) per message, in order."""
        assert self.request is not None and self.request["id"] == request_id
        requester_id = self.request["lead"]["lead_id"]
        topic = f"/{self.project_id}/requests/{request_id}/messages"
        rows = []
        for m in self.messages.get(topic, []):
            if (m.get("attributes") or {}).get("subtype") == "info":
                side = "info"
            elif requester_id == m["sender"]:
                side = "visitor"
            elif "bot_" in m["sender"]:
                side = "bot"
            else:
                side = "agent"
            rows.append((side, m["senderFullname"], m["text"]))
        return rows
