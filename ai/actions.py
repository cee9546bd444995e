"""The only code in ``ai`` that changes state: knowledge-base articles and the assistant's
own moves in a conversation (typing, reply, handoff), each re-checked under the
conversation's row lock so an agent taking over always wins.
"""

from django.db import transaction

from ai.models import KnowledgeArticle
from conversations import errors
from conversations.actions import Actor, do_post_message, do_request_handoff
from conversations.actions.conversations import lock
from conversations.events import Audience, EventType, WidgetScope, publish_ephemeral
from conversations.models import Business, Conversation, Message
from conversations.validation import check_text

HANDOFF_NOTICE_CLIENT_ID = "ai-handoff-notice"
LIMITS = {"question": 300, "answer": 5000, "keywords": 500}


def ai_reply_client_id(customer_message_id: int) -> str:
    return f"ai-reply-{customer_message_id}"


# --- knowledge base -----------------------------------------------------------------------


def _clean(field: str, value, *, required: bool) -> str:
    if not isinstance(value, str):
        raise errors.ValidationFailed(f"{field} must be a string.", field=field)
    value = check_text(value, field).strip()
    if required and not value:
        raise errors.ValidationFailed(f"{field} must not be empty.", field=field)
    if len(value) > LIMITS[field]:
        raise errors.ValidationFailed(
            f"{field} is longer than {LIMITS[field]} characters.", field=field
        )
    return value


def _clean_keywords(value) -> str:
    if isinstance(value, list):
        if not all(isinstance(v, str) for v in value):
            raise errors.ValidationFailed("keywords must be strings.", field="keywords")
        value = ", ".join(v.strip() for v in value if v.strip())
    return _clean("keywords", value, required=False)


def _clean_enabled(value) -> bool:
    if not isinstance(value, bool):
        raise errors.ValidationFailed("enabled must be true or false.", field="enabled")
    return value


def create_article(
    business: Business, *, question, answer, keywords="", enabled=True
) -> KnowledgeArticle:
    return KnowledgeArticle.objects.create(
        business=business,
        question=_clean("question", question, required=True),
        answer=_clean("answer", answer, required=True),
        keywords=_clean_keywords(keywords),
        enabled=_clean_enabled(enabled),
    )


def update_article(article: KnowledgeArticle, **changes) -> KnowledgeArticle:
    unknown = set(changes) - {"question", "answer", "keywords", "enabled"}
    if unknown:
        raise errors.ValidationFailed(f"Unknown field {sorted(unknown)[0]!r}.")
    if "question" in changes:
        article.question = _clean("question", changes["question"], required=True)
    if "answer" in changes:
        article.answer = _clean("answer", changes["answer"], required=True)
    if "keywords" in changes:
        article.keywords = _clean_keywords(changes["keywords"])
    if "enabled" in changes:
        article.enabled = _clean_enabled(changes["enabled"])
    article.save()
    return article


def delete_article(article: KnowledgeArticle) -> None:
    article.delete()


def set_auto_reply(business: Business, enabled: bool) -> None:
    """The business default: new customer conversations start with the AI answering."""
    Business.objects.filter(pk=business.pk).update(ai_auto_reply_enabled=enabled)
    business.ai_auto_reply_enabled = enabled


# --- the assistant in a conversation --------------------------------------------------------


def ai_may_answer(conv: Conversation) -> bool:
    """AI on, nobody assigned, no agent reply yet (first_response_at marks the first one),
    and not handed off: after its handoff notice the assistant stays silent until an agent
    gives the conversation back (clears the handoff)."""
    return (
        conv.ai_enabled
        and not conv.needs_human_handoff
        and conv.assignee_id is None
        and conv.first_response_at is None
        and conv.status == Conversation.Status.OPEN
    )


def do_show_typing(conv: Conversation, is_typing: bool) -> None:
    """Announce the assistant composing (or no longer composing) a reply.

    An ephemeral event: it goes through the pipeline like every event (so it reaches the
    widget from a Celery worker too) but is never stored in the event log.
    """
    publish_ephemeral(
        EventType.ASSISTANT_TYPING,
        business=conv.business,
        audience=Audience.of_conversation(conv, widgets=WidgetScope.CONVERSATION),
        data={
            "conversation_id": conv.pk,
            "user_id": "ai",
            "sender_type": "system",
            "is_typing": is_typing,
            "is_ai": True,
            "actor": Actor.ai().snapshot(),
        },
    )


def do_post_ai_reply(conv: Conversation, customer_message: Message, text: str) -> Message | None:
    """Post the AI's answer to ``customer_message`` unless an agent took over meanwhile.

    Idempotent: a retried task finds the reply by its client id and posts nothing.
    """
    with transaction.atomic():
        conv = lock(conv)
        if not ai_may_answer(conv):
            return None
        msg, created = do_post_message(
            conv,
            sender_type=Message.SenderType.SYSTEM,
            content=text,
            is_ai=True,
            client_id=ai_reply_client_id(customer_message.pk),
        )
    return msg if created else None


def do_ai_handoff(conv: Conversation, *, reason: str, notice: str) -> Message | None:
    """Flag for a person (Pending Handoffs) and tell the customer, once per conversation."""
    with transaction.atomic():
        conv = lock(conv)
        if not ai_may_answer(conv):
            return None
        do_request_handoff(conv, reason=reason, actor=Actor.ai())
        msg, created = do_post_message(
            conv,
            sender_type=Message.SenderType.SYSTEM,
            content=notice,
            is_ai=False,
            client_id=HANDOFF_NOTICE_CLIENT_ID,
        )
    return msg if created else None
