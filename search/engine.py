"""Conversation search: one interface over two full-text engines.

- SQLite (the embedded default): an FTS5 table over message text, kept by triggers
  (``search/migrations/0001``), ranked by bm25, with ``snippet()``.
- PostgreSQL: ``to_tsvector('simple', content)`` with a GIN index on that expression and
  ``ts_headline``; the newest messages are tried first (``RECENT_WINDOW``); customer names and
  emails have trigram indexes (``search/migrations/0002``).

Both take the same query: its words (at most ``MAX_TERMS``), all required, the last one as a
prefix (search as you type). Messages are searched only inside conversations the caller may see
(``conversations.access.visible_conversations``, the visibility rule); customers match by name
or email, conversations by id (``42`` or ``#42``). Snippets are HTML-escaped with the matching
words in ``<mark>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.utils.html import escape

from conversations import access
from conversations.models import Agent, Business, Conversation, Customer

MAX_TERMS = 8
MAX_QUERY = 200
START, STOP = "\x02", "\x03"  # markers the engines put around matches, before escaping
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class Hit:
    conversation_id: int
    matched: str  # "message" | "customer" | "id"
    message_id: int | None = None
    snippet: str = ""  # safe HTML: escaped text with <mark>…</mark>


def terms(query: str) -> list[str]:
    return [w.lower() for w in WORD.findall(query[:MAX_QUERY])][:MAX_TERMS]


def highlight(raw: str) -> str:
    """Escape an engine's snippet and turn its markers into ``<mark>``."""
    return escape(raw).replace(START, "<mark>").replace(STOP, "</mark>")


def _visible_sql(agent: Agent | None, business: Business) -> tuple[str, tuple]:
    """``AND m.conversation_id IN (…)`` for the caller, or nothing when the caller sees every
    conversation of the business (API keys, owners, admins: ``business_id`` already says it)."""
    if agent is None or agent.is_manager:
        return "", ()
    # No ORDER BY: compiled by hand, the subquery would keep Conversation's default ordering,
    # and PostgreSQL sorted every visible conversation (75,000 rows, spilling to disk) before
    # the semi-join on each search (71 -> 1.7 ms for a rare word, bench/README.md issue 14).
    ids = access.visible_conversations(agent, business).order_by().values("id")
    sql, params = ids.query.sql_with_params()
    return f"AND m.conversation_id IN ({sql}) ", tuple(params)


def _sqlite_messages(words, visible, business_id, limit):
    match = " ".join(f'"{w}"' for w in words[:-1]) + f' "{words[-1]}"*'
    # Only constants and Django's compiled subquery are formatted in; values are parameters.
    sql = (
        "SELECT m.conversation_id, m.id, "  # noqa: S608
        f"snippet(search_message_fts, 0, '{START}', '{STOP}', '…', 12) "
        "FROM search_message_fts JOIN conversations_message m ON m.id = search_message_fts.rowid "
        "WHERE search_message_fts MATCH %s AND m.business_id = %s "
        f"{visible[0]}"
        "ORDER BY m.id DESC LIMIT %s"
    )
    return sql, (match, business_id, *visible[1], limit)


HEADLINE = (
    "ts_headline('simple', m.content, q, "
    f"'StartSel={START}, StopSel={STOP}, MaxWords=24, MinWords=8, MaxFragments=1')"
)
# PostgreSQL first looks in the business's newest RECENT_WINDOW messages (an index walk on
# (business_id, id), search/migrations/0002): a common word fills the page there at once,
# instead of the GIN index handing over every one of its hundreds of thousands of matches to
# be sorted. A rarer word falls through to the GIN index.
RECENT_WINDOW = 2000


def _tsquery(words) -> str:
    return " & ".join([*words[:-1], f"{words[-1]}:*"])


def _postgres_recent_messages(words, visible, business_id, limit):
    sql = (
        f"SELECT m.conversation_id, m.id, {HEADLINE} FROM ("  # noqa: S608
        "SELECT m.id, m.conversation_id, m.content FROM conversations_message m "
        "WHERE m.business_id = %s ORDER BY m.id DESC LIMIT %s"
        ") m, to_tsquery('simple', %s) q "
        f"WHERE to_tsvector('simple', m.content) @@ q {visible[0]}ORDER BY m.id DESC LIMIT %s"
    )
    # The visibility filter applies to the window's rows, not inside it: inside, PostgreSQL
    # joined every message of the business with the visible conversations before taking the
    # newest (100 ms at 300k messages for a plain agent, instead of a 2,000-row index walk).
    # Fewer visible matches in the window just means the GIN query runs, so answers are equal.
    return sql, (business_id, RECENT_WINDOW, _tsquery(words), *visible[1], limit)


def _postgres_messages(words, visible, business_id, limit):
    sql = (
        f"SELECT m.conversation_id, m.id, {HEADLINE} "  # noqa: S608
        "FROM conversations_message m, to_tsquery('simple', %s) q "
        "WHERE to_tsvector('simple', m.content) @@ q AND m.business_id = %s "
        f"{visible[0]}"
        "ORDER BY m.id DESC LIMIT %s"
    )
    return sql, (_tsquery(words), business_id, *visible[1], limit)


def _fetch(build, words, visible, business_id, limit) -> list:
    sql, params = build(words, visible, business_id, limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def message_hits(agent: Agent | None, business: Business, query: str, limit: int) -> list[Hit]:
    """The newest matching message of each matching conversation, newest first.

    Newest first, not by rank: an agent looks for a customer's latest conversation, and it
    lets the database stop early on common words (walking messages newest first) instead of
    ranking every match; rare words go through the full-text index."""
    words = terms(query)
    if not words:
        return []
    visible = _visible_sql(agent, business)
    # Several messages of one conversation may match: read a few more than asked.
    wanted = limit * 4
    if connection.vendor == "postgresql":
        rows = _fetch(_postgres_recent_messages, words, visible, business.pk, wanted)
        if len(rows) < wanted:  # not a common word: the full-text index
            rows = _fetch(_postgres_messages, words, visible, business.pk, wanted)
    else:
        rows = _fetch(_sqlite_messages, words, visible, business.pk, wanted)
    hits: dict[int, Hit] = {}
    for conv_id, msg_id, snippet in rows:
        if conv_id not in hits:
            hits[conv_id] = Hit(conv_id, "message", msg_id, highlight(snippet))
    return list(hits.values())[:limit]


def _mark_words(text: str, words: list[str]) -> str:
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    return highlight(pattern.sub(lambda m: START + m.group(0) + STOP, text))


def looks_like_a_person(query: str, words: list[str]) -> bool:
    """Could this be (part of) a customer's name or email? Not an id, an order number or a
    sentence: those skip the customer lookup."""
    if "@" in query:
        return True
    return len(words) <= 4 and not any(ch.isdigit() for w in words for ch in w)


def other_hits(agent, business, query: str, limit: int) -> list[Hit]:
    """Conversations found by id, or by their customer's name or email."""
    words = terms(query)
    visible = access.visible_conversations(agent, business)
    hits: list[Hit] = []
    wanted = query.strip().lstrip("#")
    if wanted.isdigit() and len(wanted) < 19:
        for conv in visible.filter(pk=int(wanted)).select_related("customer"):
            hits.append(Hit(conv.pk, "id", snippet=f"<mark>#{conv.pk}</mark>"))
    if words and looks_like_a_person(query, words):
        who = Q()
        for w in words:
            who &= Q(name__icontains=w) | Q(email__icontains=w)
        # Customers first, at most ``limit`` of them (the scan stops there), then their
        # conversations through the (business, customer) index: no join over every
        # conversation of the business.
        # No ORDER BY: any ``limit`` matching customers end the scan (a common name stops
        # early), a rare one goes through the trigram indexes (search/migrations/0002).
        customers = Customer.objects.filter(who, business=business).order_by().values("pk")
        customers = customers[:limit]
        convs = (
            visible.filter(customer_id__in=list(customers.values_list("pk", flat=True)))
            .select_related("customer")
            .order_by("-last_activity_at")
        )
        for conv in convs[:limit]:
            c = conv.customer
            text = " · ".join(x for x in (c.name, c.email) if x)
            hits.append(Hit(conv.pk, "customer", snippet=_mark_words(text, words)))
    return hits


def search(agent: Agent | None, business: Business, query: str, limit: int = 20) -> list[Hit]:
    """Conversations matching ``query`` that the caller may see, one hit each: the id first,
    then customers, then messages (newest first)."""
    found: dict[int, Hit] = {}
    for hit in [
        *other_hits(agent, business, query, limit),
        *message_hits(agent, business, query, limit),
    ]:
        found.setdefault(hit.conversation_id, hit)
    return list(found.values())[:limit]


def conversations_for(hits: list[Hit]) -> list[Conversation]:
    """The hits' conversations in hit order, each with its ``hit`` (one query)."""
    by_id = {
        c.pk: c
        for c in Conversation.objects.filter(
            pk__in=[h.conversation_id for h in hits]
        ).select_related("customer", "assignee__user")
    }
    out = []
    for hit in hits:
        conv = by_id.get(hit.conversation_id)
        if conv is not None:
            conv.hit = hit
            out.append(conv)
    return out
