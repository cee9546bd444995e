"""Labels: a business's colour-coded tags, put on and taken off conversations."""

import re

from django.db import transaction

from conversations import errors
from conversations.actions.actor import Actor
from conversations.actions.conversations import lock
from conversations.events import Audience, EventType, WidgetScope, publish
from conversations.models import Business, Conversation
from conversations.snapshots import conversation_snapshot, label_order, label_snapshot
from conversations.validation import check_text
from teamtools.actions.unique import save_unique
from teamtools.models import ConversationLabel, Label

COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
NAME_MAX = Label._meta.get_field("name").max_length
DEFAULT_COLOR = "#6b7280"


def validate_label(name, color) -> tuple[str, str]:
    if not isinstance(name, str) or not name.strip():
        raise errors.ValidationFailed("name must be a non-empty string.", field="name")
    name = check_text(name.strip(), "name")
    if len(name) > NAME_MAX:
        raise errors.ValidationFailed(f"name is longer than {NAME_MAX} characters.", field="name")
    if color is None or color == "":
        color = DEFAULT_COLOR
    if not isinstance(color, str) or not COLOR.match(color):
        raise errors.ValidationFailed("color must look like #1a2b3c.", field="color")
    return name, color.lower()


def _saved(label: Label) -> Label:
    return save_unique(
        label, f"A label named {label.name!r} exists already.", "LABEL_EXISTS", "name"
    )


def create_label(business: Business, *, name, color=None) -> Label:
    name, color = validate_label(name, color)
    return _saved(Label(business=business, name=name, color=color))


def update_label(label: Label, *, name=None, color=None) -> Label:
    new_name, new_color = validate_label(
        label.name if name is None else name, label.color if color is None else color
    )
    label.name, label.color = new_name, new_color
    return _saved(label)


def delete_label(label: Label) -> None:
    label.delete()


def do_set_labels(
    conv: Conversation, *, add=(), remove=(), actor: Actor
) -> tuple[Conversation, list[Label]]:
    """Put labels on and take labels off ``conv`` (each a Label of its business); one event
    (``conversation.labels_changed``) when anything changed. Returns the conversation and its
    labels now."""
    add, remove = list(add), list(remove)
    for label in (*add, *remove):
        if label.business_id != conv.business_id:
            raise errors.NotFound("Label not found.", code="LABEL_NOT_FOUND")
    with transaction.atomic():
        try:
            conv = lock(conv)
        except Conversation.DoesNotExist:
            raise errors.ConversationNotFound("Conversation not found.") from None
        current = {link.label_id: link.label for link in conv.label_links.select_related("label")}
        added = [lb for lb in dict.fromkeys(add) if lb.pk not in current]
        removed = [lb for lb in dict.fromkeys(remove) if lb.pk in current and lb not in added]
        if added:
            ConversationLabel.objects.bulk_create(
                [ConversationLabel(conversation=conv, label=lb) for lb in added]
            )
        if removed:
            conv.label_links.filter(label__in=removed).delete()
        labels = sorted(
            [lb for pk, lb in current.items() if pk not in {r.pk for r in removed}] + added,
            key=label_order,
        )
        if conv.has_labels != bool(labels):
            conv.has_labels = bool(labels)
            conv.save(update_fields=["has_labels"])
        if added or removed:
            publish(
                EventType.CONVERSATION_LABELS_CHANGED,
                business=conv.business,
                audience=Audience.of_conversation(conv, widgets=WidgetScope.NONE),
                data={
                    "conversation": conversation_snapshot(conv, labels),
                    "labels": [label_snapshot(lb) for lb in labels],
                    "added": [label_snapshot(lb) for lb in added],
                    "removed": [label_snapshot(lb) for lb in removed],
                    "actor": actor.snapshot(),
                },
            )
    return conv, labels
