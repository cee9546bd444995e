"""Handlers only agent sockets may use: sending as an agent, status, assignment, viewing."""

from __future__ import annotations

from channels.db import database_sync_to_async

from conversations import access, actions, errors
from conversations.actions import Actor
from conversations.events import origin
from conversations.models import Agent
from inbox.actions import do_set_viewing
from realtime.widget.messages import send
from realtime.widget.plumbing import handler, int_field, own_conversation
from realtime.widget.state import SocketState


@handler("agent_message")
async def _agent_send(sid, state, data):
    if state.agent is None:
        raise errors.PermissionDenied(
            "agent_message needs an agent socket (auth.token); widgets send client_message.",
            code="AGENT_ONLY",
        )
    return await send(sid, state, data)


def require_agent(state: SocketState, event: str) -> Agent:
    if state.agent is None:
        raise errors.PermissionDenied(
            f"{event} needs an agent socket (connect with auth.token).", code="AGENT_ONLY"
        )
    return state.agent


@handler("agent_status")
async def _agent_status(sid, state, data):
    agent = require_agent(state, "agent_status")
    status = data.get("status")
    if not isinstance(status, str):
        raise errors.ValidationFailed("status must be online, away or offline.", field="status")
    agent = await database_sync_to_async(actions.do_set_agent_status)(agent, status)
    state.agent = agent
    return {"agent_id": agent.pk, "status": agent.status}


@handler("assign_conversation")
async def _assign(sid, state, data):
    agent = require_agent(state, "assign_conversation")
    conv_id = int_field(data, "conversation_id", required=True)
    if "agent_id" not in data:
        raise errors.ValidationFailed("agent_id is required (null to unassign).", field="agent_id")
    target_id = int_field(data, "agent_id", required=False)

    def run():
        conv = own_conversation(state, conv_id)
        target = access.access_agent(state.business, target_id) if target_id else None
        return actions.do_assign(conv, target, actor=Actor.of_agent(agent))

    conv = await database_sync_to_async(run)()
    return {"conversation_id": conv.pk, "assignee_id": conv.assignee_id}


@handler("viewing")
async def _viewing(sid, state, data):
    agent = require_agent(state, "viewing")
    conv_id = int_field(data, "conversation_id", required=True)
    is_viewing = data.get("is_viewing")
    if not isinstance(is_viewing, bool):
        raise errors.ValidationFailed("is_viewing must be true or false.", field="is_viewing")

    def run():
        conv = own_conversation(state, conv_id)
        with origin(sid):  # the viewer's own socket does not hear itself
            do_set_viewing(agent, conv, is_viewing)
        return conv

    conv = await database_sync_to_async(run)()
    return {"conversation_id": conv.pk}
