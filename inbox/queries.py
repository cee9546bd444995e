"""Reads behind the inbox list: filtered, keyset-paginated rows and per-filter counts.

Every query starts from ``access.visible_conversations`` so a plain agent never sees a
conversation assigned to someone else. The counts are one aggregate query.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from conversations import access
from conversations.models import Agent, AgentReadState, Business, Conversation, Message
from search import engine as search_engine
from teamtools.queries import attach_labels

PAGE_SIZE = 50
MESSAGE_PAGE = 200
S = Conversation.Status


@dataclass
class InboxFilters:
    status: str = S.OPEN  # a status or "all"
    assignee: str = "any"  # any | me | unassigned | <agent id>
    handoff: bool = False
    label: int | None = None  # a label id (teamtools)
    q: str = ""  # a search (search.engine)
    cursor: tuple | None = None


def status_q(status: str) -> Q:
    return Q() if status == "all" else Q(status=status)


def assignee_q(assignee: str, agent: Agent, business: Business) -> Q:
    if assignee == "me":
        return Q(assignee=agent)
    if assignee == "unassigned":
        return Q(assignee__isnull=True)
    if assignee == "any":
        return Q()
    return Q(assignee=access.access_agent(business, assignee))


def _read_up_to(agent: Agent):
    """The agent's read mark of the outer conversation (0 when never opened)."""
    mark = AgentReadState.objects.filter(agent=agent, conversation=OuterRef(OuterRef("pk")))
    return Coalesce(Subquery(mark.values("last_read_message_id")[:1]), Value(0))


def _unread_messages(agent: Agent):
    return Message.objects.filter(
        conversation=OuterRef("pk"),
        sender_type=Message.SenderType.CUSTOMER,
        pk__gt=_read_up_to(agent),
    )


def with_unread(qs, agent: Agent):
    """Annotate ``unread``: the customer messages this agent has not read yet."""
    counted = (
        _unread_messages(agent)
        .order_by()
        .values("conversation")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return qs.annotate(unread=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)))


def conversation_page(agent: Agent, filters: InboxFilters):
    """Newest activity first; returns ``(rows, next_cursor_row_or_None)``."""
    business = agent.business
    qs = access.visible_conversations(agent, business).filter(
        status_q(filters.status), assignee_q(filters.assignee, agent, business)
    )
    if filters.handoff:
        qs = qs.filter(needs_human_handoff=True)
    if filters.label:
        qs = qs.filter(label_links__label_id=filters.label)
    hits = search_hits(agent, filters)
    if hits is not None:
        qs = qs.filter(pk__in=list(hits))
    if filters.cursor:
        at, pk = filters.cursor
        qs = qs.filter(Q(last_activity_at__lt=at) | Q(last_activity_at=at, pk__lt=pk))
    rows = list(
        with_unread(qs.select_related("customer", "assignee__user"), agent).order_by(
            "-last_activity_at", "-pk"
        )[: PAGE_SIZE + 1]
    )
    more = len(rows) > PAGE_SIZE
    rows = attach_labels(rows[:PAGE_SIZE])
    for row in rows:
        row.hit = hits.get(row.pk) if hits else None
    return rows, (rows[-1] if more else None)


SEARCH_MAX = 200  # a search in the list shows its best matches


def search_hits(agent: Agent, filters: InboxFilters) -> dict | None:
    """The search's hits by conversation id, or None without a search."""
    if not filters.q:
        return None
    found = search_engine.search(agent, agent.business, filters.q, SEARCH_MAX)
    return {h.conversation_id: h for h in found}


def _count(condition: Q) -> Count:
    return Count("pk", filter=condition) if condition else Count("pk")


def filter_counts(agent: Agent, filters: InboxFilters) -> dict:
    """How many conversations each filter would show, given the other active filters.

    Status counts keep the assignee filter; assignee and handoff counts keep the status
    filter. One aggregate query.
    """
    business = agent.business
    by_status = status_q(filters.status)
    by_assignee = assignee_q(filters.assignee, agent, business)
    handoff = Q(needs_human_handoff=True) if filters.handoff else Q()
    aggregates = {status: _count(Q(status=status) & by_assignee & handoff) for status in S.values}
    aggregates["all"] = _count(by_assignee & handoff)
    aggregates["me"] = _count(by_status & handoff & Q(assignee=agent))
    aggregates["unassigned"] = _count(by_status & handoff & Q(assignee__isnull=True))
    aggregates["any"] = _count(by_status & handoff)
    aggregates["handoff"] = _count(by_status & by_assignee & Q(needs_human_handoff=True))
    # The same filters, counting only conversations with unread customer messages; and the
    # tab title's badge: unread conversations still waiting (open or pending), any filter.
    unread = Q(has_unread=True)
    for key in list(aggregates):
        condition = aggregates[key].filter
        aggregates[f"{key}_unread"] = _count((condition or Q()) & unread)
    aggregates["waiting_unread"] = _count(Q(status__in=[S.OPEN, S.PENDING]) & unread)
    qs = access.visible_conversations(agent, business).annotate(
        has_unread=Exists(_unread_messages(agent))
    )
    if filters.label:
        qs = qs.filter(label_links__label_id=filters.label)
    hits = search_hits(agent, filters)
    if hits is not None:
        qs = qs.filter(pk__in=list(hits))
    values = qs.aggregate(**aggregates)
    values["unread"] = {
        k.removesuffix("_unread"): v for k, v in values.items() if k.endswith("_unread")
    }
    return values


def recent_messages(conv: Conversation) -> tuple[list[Message], bool]:
    """The latest messages of a conversation, oldest first, and whether older ones exist."""
    rows = list(
        Message.objects.filter(conversation=conv)
        .select_related(
            "sender_agent__user", "sender_api_key", "outbound__channel"
        )  # outbound: the reply's channel send (sent by email, failed)
        .order_by("-pk")[: MESSAGE_PAGE + 1]
    )
    older = len(rows) > MESSAGE_PAGE
    return list(reversed(rows[:MESSAGE_PAGE])), older


def team(business: Business) -> list[Agent]:
    return list(
        Agent.objects.filter(business=business)
        .select_related("user")
        .order_by("user__first_name", "user__email", "pk")
    )
