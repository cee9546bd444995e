"""The only code that changes PingBack's state.

Each ``do_*`` function runs in one transaction, checks the domain rules, writes, and
publishes a domain event that is delivered after commit (``conversations.events``).
Adapters (REST views, consumers, Socket.IO handlers, admin, tasks) call these.
"""

from conversations.actions.actor import Actor
from conversations.actions.agents import (
    add_agent,
    do_set_agent_status,
    remove_agent,
    set_user_active,
)
from conversations.actions.auto_assign import do_assign_waiting
from conversations.actions.businesses import (
    create_api_key,
    create_business,
    do_update_business_settings,
    revoke_api_key,
)
from conversations.actions.conversations import (
    do_assign,
    do_clear_handoff,
    do_close,
    do_reopen,
    do_request_handoff,
    do_resolve,
    do_set_ai_enabled,
    do_set_pending,
    do_set_status,
)
from conversations.actions.customers import create_customer, do_identify_customer
from conversations.actions.messages import (
    do_mark_delivered,
    do_mark_read,
    do_post_message,
    do_set_typing,
)
from conversations.actions.start import do_start_conversation

__all__ = [
    "Actor",
    "add_agent",
    "create_api_key",
    "create_business",
    "create_customer",
    "do_assign",
    "do_assign_waiting",
    "do_clear_handoff",
    "do_close",
    "do_identify_customer",
    "do_mark_delivered",
    "do_mark_read",
    "do_post_message",
    "do_reopen",
    "do_request_handoff",
    "do_resolve",
    "do_set_agent_status",
    "do_set_ai_enabled",
    "do_set_pending",
    "do_set_status",
    "do_set_typing",
    "do_start_conversation",
    "do_update_business_settings",
    "remove_agent",
    "revoke_api_key",
    "set_user_active",
]
