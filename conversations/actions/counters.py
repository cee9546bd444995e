"""The message hot path's conversation update in one statement (PostgreSQL).

A message usually changes only the conversation's counters and previews. Instead of reading the
row under ``SELECT ... FOR UPDATE`` and writing it back (two round trips), one data-modifying
CTE bumps the counters in place — ``message_count = message_count + 1`` — and returns the
updated row joined with what the event snapshot needs (customer, business, assignee and their
user, as ``lock()``'s ``select_related`` would, and the customer's rating: the snapshot carries
it, and a lazy read was one more query per message). The UPDATE holds the row lock until commit, so
one conversation's messages still commit in the order their ids were drawn.

It only applies when no rule needs the old row: a customer message to an *open* conversation
(otherwise it reopens it), an agent message to an *assigned* conversation without a pending
handoff (otherwise the reply takes it over). When the WHERE does not match, nothing was changed
and the caller takes the locking path.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from conversations.models import Agent, Business, Conversation, Customer

_SQL: dict[str, tuple[str, list]] = {}


def _columns(model, alias: str):
    fields = list(model._meta.concrete_fields)
    return fields, [f'{alias}."{f.column}"' for f in fields]


def _statement(sender_type: str) -> tuple[str, list]:
    if sender_type in _SQL:
        return _SQL[sender_type]
    user_model = get_user_model()
    parts = [
        (Conversation, "u"),
        (Customer, "cu"),
        (Business, "b"),
        (Agent, "a"),
        (user_model, "au"),
        (_rating_relation().related_model, "r"),
    ]
    selects, layout = [], []
    for model, alias in parts:
        fields, cols = _columns(model, alias)
        selects += cols
        layout.append((model, fields))
    conv = Conversation._meta.db_table
    rating = _rating_relation()
    rating_table, rating_column = rating.related_model._meta.db_table, rating.field.column
    if sender_type == "customer":
        extra_set, where = "", "status = 'open'"
    else:
        extra_set = ", first_response_at = COALESCE(first_response_at, %(now)s)"
        where = "assignee_id IS NOT NULL AND NOT needs_human_handoff"
    sql = f"""
        WITH u AS (
            UPDATE "{conv}" SET
                message_count = message_count + 1,
                last_activity_at = %(now)s,
                last_message_text = %(preview)s,
                first_message_text = CASE WHEN first_message_text = ''
                    THEN %(preview)s ELSE first_message_text END,
                updated_at = %(now)s{extra_set}
            WHERE id = %(id)s AND {where}
            RETURNING *
        )
        SELECT {", ".join(selects)}
        FROM u
        JOIN "{Customer._meta.db_table}" cu ON cu.id = u.customer_id
        JOIN "{Business._meta.db_table}" b ON b.id = u.business_id
        LEFT JOIN "{Agent._meta.db_table}" a ON a.id = u.assignee_id
        LEFT JOIN "{user_model._meta.db_table}" au ON au.id = a.user_id
        LEFT JOIN "{rating_table}" r ON r."{rating_column}" = u.id
    """  # noqa: S608 (table and column names from the models; values are parameters)
    _SQL[sender_type] = (sql, layout)
    return sql, layout


def _rating_relation():
    """The CSAT rating's one-to-one to a conversation (``csat``, an app above this one: reached
    through the model's relations, not imported)."""
    return Conversation._meta.get_field("rating")


def _instances(row, layout):
    made, at = [], 0
    for model, fields in layout:
        values = []
        for f in fields:
            value = row[at]
            at += 1
            for convert in f.get_db_converters(connection):
                value = convert(value, f.get_col(model._meta.db_table), connection)
            values.append(value)
        pk = values[[f.attname for f in fields].index(model._meta.pk.attname)]
        made.append(
            None if pk is None else model.from_db("default", [f.attname for f in fields], values)
        )
    return made


def counted_update(
    conversation_id: int, sender_type: str, preview: str, now=None
) -> Conversation | None:
    """Count one message into the conversation; the updated conversation, or None when a rule
    needs the locking path (nothing was changed then). Call inside the message's transaction."""
    sql, layout = _statement(sender_type)
    with connection.cursor() as cursor:
        params = {"now": now or timezone.now(), "preview": preview, "id": conversation_id}
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    conv, customer, business, agent, user, rating = _instances(row, layout)
    _rating_relation().set_cached_value(conv, rating)  # None: not rated (no query to learn it)
    conv.customer = customer
    conv.business = business
    if agent is not None:
        agent.user = user
    conv.assignee = agent
    return conv
