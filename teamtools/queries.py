"""Reads of team-tool data, scoped by the caller's access (``conversations.access``)."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from conversations import access, errors
from conversations.access import int_id
from conversations.models import Agent, Business, Conversation, Customer
from customer_channels.models import Channel
from teamtools.actions.outreach import delivery_route
from teamtools.models import CannedResponse, ConversationLabel, Label, Note
from teamtools.snapshots import NoteSnapshot, note_snapshot
from teamtools.snooze_times import PRESETS

NOTES_MAX = 200  # a conversation shows its latest notes


def notes_of(conv: Conversation) -> QuerySet[Note]:
    return (
        Note.objects.filter(conversation=conv)
        .select_related("author__user")
        .prefetch_related(Prefetch("mentions", queryset=Agent.objects.select_related("user")))
    )


def latest_notes(conv: Conversation, size: int = NOTES_MAX) -> list[NoteSnapshot]:
    """The newest ``size`` notes, oldest first, as snapshots (two queries)."""
    rows = list(notes_of(conv).order_by("-id")[:size])
    rows.reverse()
    return [note_snapshot(n, list(n.mentions.all())) for n in rows]


def _one(qs: QuerySet, raw_id, error: errors.NotFound):
    """The row of ``qs`` with id ``raw_id``; an unknown, foreign or bad id raises ``error``."""
    pk = int_id(raw_id)
    row = qs.filter(pk=pk).first() if pk else None
    if row is None:
        raise error
    return row


def labels_of_business(business: Business) -> QuerySet[Label]:
    return Label.objects.filter(business=business)


def access_label(business: Business, label_id) -> Label:
    error = errors.NotFound("Label not found.", code="LABEL_NOT_FOUND")
    return _one(labels_of_business(business), label_id, error)


def labels_by_ids(business: Business, ids) -> list[Label]:
    """Labels of ``business`` for a list of ids; an unknown or foreign id is a 404."""
    if not isinstance(ids, list):
        raise errors.ValidationFailed("must be a list of label ids.", field="labels")
    pks = [int_id(i) for i in ids]
    if None in pks:
        raise errors.ValidationFailed("label ids must be positive integers.", field="labels")
    found = {lb.pk: lb for lb in labels_of_business(business).filter(pk__in=pks)}
    if len(found) != len(set(pks)):
        raise errors.NotFound("Label not found.", code="LABEL_NOT_FOUND")
    return [found[pk] for pk in pks]


def label_named(business: Business, name_or_id: str) -> Label | None:
    """A label of ``business`` by its name (any case) or its id; None when there is none."""
    labels = labels_of_business(business)
    found = labels.filter(name__iexact=name_or_id).first()
    if found is None and (pk := int_id(name_or_id)) is not None and name_or_id.isdigit():
        found = labels.filter(pk=pk).first()
    return found


def labels_for(conversations) -> dict[int, list[Label]]:
    """Each conversation's labels, for a page of rows (one query)."""
    out: dict[int, list[Label]] = {c.pk: [] for c in conversations}
    links = ConversationLabel.objects.filter(conversation_id__in=list(out)).select_related("label")
    for link in links.order_by("label__name", "label_id"):
        out[link.conversation_id].append(link.label)
    return out


def attach_labels(conversations) -> list:
    """Set ``conv.labels`` on each conversation of a page (one query)."""
    conversations = list(conversations)
    by_conv = labels_for(conversations)
    for conv in conversations:
        conv.labels = by_conv[conv.pk]
    return conversations


def canned_of(business: Business) -> QuerySet[CannedResponse]:
    return CannedResponse.objects.filter(business=business)


def access_canned(business: Business, canned_id) -> CannedResponse:
    error = errors.NotFound("Canned response not found.", code="CANNED_RESPONSE_NOT_FOUND")
    return _one(canned_of(business), canned_id, error)


def note_of(conv: Conversation, note_id: int) -> NoteSnapshot:
    note = notes_of(conv).get(pk=note_id)
    return note_snapshot(note, list(note.mentions.all()))


def timeline(conv: Conversation, history: list, has_older: bool) -> list:
    """Messages and notes of the conversation page in time order (notes marked ``is_note``).

    When older messages are not shown, neither are notes older than the first one shown.
    """
    notes = notes_of(conv).order_by("-id")
    if has_older and history:
        notes = notes.filter(created_at__gte=history[0].created_at)
    rows = list(notes[:NOTES_MAX])
    for note in rows:
        note.is_note = True
    return sorted(
        [*history, *rows],
        key=lambda item: (item.created_at, bool(getattr(item, "is_note", False)), item.pk),
    )


def business_labels(business: Business, current_id: int | None = None) -> list[Label]:
    """The business's labels; with ``current_id``, each says whether that conversation has it
    (``on_current``), so the conversation page needs no query of its own (one query)."""
    labels = labels_of_business(business)
    if current_id:
        links = ConversationLabel.objects.filter(conversation_id=current_id, label=OuterRef("pk"))
        labels = labels.annotate(on_current=Exists(links))
    return list(labels)


def conversation_context(
    conv: Conversation, history: list, has_older: bool, labels, agent: Agent
) -> dict:
    """What the inbox's conversation page shows besides messages: notes, and its labels from
    ``business_labels(business, conv.pk)``."""
    return {
        "past_conversations": past_conversations(conv, agent),
        "duplicates": possible_duplicates(conv.customer) if agent.is_manager else [],
        "snooze_presets": list(PRESETS.items()),
        "timeline": timeline(conv, history, has_older),
        "conv_labels": [lb for lb in labels if lb.on_current],
    }


def search_canned(business: Business, text: str = "", limit: int = 20) -> list[CannedResponse]:
    """Canned responses whose shortcut starts with ``text`` first, then title/content matches."""
    rows = canned_of(business)
    text = text.strip().lstrip("/")
    if not text:
        return list(rows[:limit])
    by_shortcut = list(rows.filter(shortcut__istartswith=text)[:limit])
    seen = {r.pk for r in by_shortcut}
    others = rows.filter(Q(title__icontains=text) | Q(shortcut__icontains=text)).exclude(
        pk__in=seen
    )
    return by_shortcut + list(others[: limit - len(by_shortcut)])


PAST_MAX = 10


def past_conversations(conv: Conversation, agent: Agent) -> list[Conversation]:
    """The customer's other conversations this agent may see, newest first."""
    return list(
        access.visible_conversations(agent, conv.business)
        .filter(customer_id=conv.customer_id)
        .exclude(pk=conv.pk)
        .order_by("-last_activity_at")[:PAST_MAX]
    )


def possible_duplicates(customer) -> list:
    """Other customers of the business with the same email or the same name: candidates a
    manager may merge (never merged automatically)."""
    same = Q(pk__in=[])
    if customer.email:
        same |= Q(email__iexact=customer.email)
    if customer.name:
        same |= Q(name__iexact=customer.name)
    return list(
        Customer.objects.filter(same, business_id=customer.business_id)
        .exclude(pk=customer.pk)
        .order_by("-created_at")[:5]
    )


CHANNEL_LABELS = {
    "webchat": "Chat widget",
    "email": "Email",
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
    "api": "API (your integration)",
}


def channel_options(business: Business, customer: Customer | None = None) -> list[dict]:
    """The "New conversation" channel picker: each channel, whether it can reach ``customer``
    and where (their address) or why not, by the rule that starts the conversation
    (``teamtools.actions.outreach.delivery_route``, over ``customer_channels.reach``).
    Without a customer: which channels the business has connected."""
    connected = set(
        Channel.objects.filter(business=business, enabled=True).values_list("kind", flat=True)
    )
    options = []
    for value, label in CHANNEL_LABELS.items():
        needs_channel = value in ("email", "whatsapp", "telegram")
        reachable, detail = True, ""
        if customer is None:
            if needs_channel and value not in connected:
                reachable, detail = False, "not connected"
        else:
            try:
                route = delivery_route(customer, value)
            except errors.ChannelCannotDeliver as exc:
                reachable, detail = False, exc.message
            else:
                detail = route[1] if route else ("their widget" if value == "webchat" else "")
        options.append({"value": value, "label": label, "reachable": reachable, "detail": detail})
    return options


def customer_named(business: Business, raw: str) -> Customer | None:
    """The customer an agent typed (an id or an email address) in this business, or None."""
    raw = raw.strip()
    if not raw:
        return None
    found = Customer.objects.filter(business=business)
    if raw.isdigit():
        return found.filter(pk=int(raw)).first() if int(raw) < 2**63 else None
    return found.filter(email__iexact=raw).order_by("-created_at").first()
