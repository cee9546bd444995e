"""Rating a conversation: the only code that writes ``csat.Rating``."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from conversations import errors
from conversations.actions import Actor
from conversations.actions.conversations import lock
from conversations.events import Audience, EventType, WidgetScope, publish
from conversations.models import Conversation
from conversations.snapshots import conversation_snapshot, rating_snapshot
from csat.models import Rating

COMMENT_MAX = 2000
RATEABLE = (Conversation.Status.RESOLVED, Conversation.Status.CLOSED)


class AlreadyRated(errors.Conflict):
    code = "ALREADY_RATED"


class NotRateable(errors.Conflict):
    code = "NOT_RATEABLE"


def check_rating(score, comment) -> tuple[int, str]:
    if isinstance(score, bool) or not isinstance(score, int) or score not in Rating.SCORES:
        raise errors.ValidationFailed("score must be an integer from 1 to 5.", field="score")
    if comment is None:
        comment = ""
    if not isinstance(comment, str):
        raise errors.ValidationFailed("comment must be text.", field="comment")
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise errors.ValidationFailed(
            f"comment is longer than {COMMENT_MAX} characters.", field="comment"
        )
    return score, comment


def do_rate_conversation(conv: Conversation, *, score, comment="", actor: Actor) -> Rating:
    """Store the customer's rating of a resolved (or closed) conversation, once."""
    score, comment = check_rating(score, comment)
    try:
        with transaction.atomic():
            conv = lock(conv)
            if not conv.business.csat_enabled:
                raise NotRateable("This business does not ask for ratings.")
            if conv.status not in RATEABLE:
                raise NotRateable("Only a resolved conversation can be rated.")
            rating = Rating.objects.create(
                business_id=conv.business_id,
                conversation=conv,
                agent=conv.assignee,
                score=score,
                comment=comment,
            )
            publish(
                EventType.CONVERSATION_RATED,
                business=conv.business,
                audience=Audience.of_conversation(conv, widgets=WidgetScope.CONVERSATION),
                data={
                    "conversation": conversation_snapshot(conv),
                    "rating": rating_snapshot(rating),
                    "actor": actor.snapshot(),
                },
            )
    except IntegrityError:
        raise AlreadyRated("This conversation was already rated.") from None
    return rating
