"""When the assistant answers, and when it hands over to a person.

For each committed customer message in a conversation the AI may answer (AI on, nobody
assigned, no agent reply yet), the ``ai.reply_to_message`` task runs :func:`reply_to_message`:

1. re-check in the database (an agent may have taken over since the message was sent);
2. the customer asks for a person (handoff keywords) -> handoff;
3. the conversation already had ``max_replies`` AI replies -> handoff;
4. otherwise show typing and ask the provider; a provider failure, a low confidence or a
   provider-requested handoff -> handoff; else post the answer.

A handoff sets ``needs_human_handoff`` and posts the notice once per conversation. From then
on the assistant stays silent (a "Hello?? anyone there?" gets no "I'm the virtual
assistant…") until an agent gives the conversation back by clearing the handoff; resolving or
closing a conversation clears it too.
"""

import logging
import re
from dataclasses import dataclass

from django.conf import settings

from ai import actions
from ai.models import effective_settings
from ai.providers import ProviderError, get_provider
from conversations.models import Message

logger = logging.getLogger(__name__)

REASON_ASKED = "Customer asked for a human"
REASON_LIMIT = "AI reply limit reached"
REASON_LOW_CONFIDENCE = "AI not confident enough"
REASON_PROVIDER = "AI provider failed"


@dataclass(frozen=True)
class Outcome:
    action: str  # "replied" | "handoff" | "skipped"
    reason: str = ""
    message: Message | None = None
    confidence: float | None = None


def is_candidate(message: dict, conversation: dict) -> bool:
    """Cheap check on an event's snapshots: is this worth a task?"""
    return (
        message.get("sender_type") == Message.SenderType.CUSTOMER
        and conversation.get("ai_enabled") is True
        and not conversation.get("needs_human_handoff")
        and conversation.get("assignee") is None
        and conversation.get("first_response_at") is None
    )


def asks_for_person(text: str, keywords: list[str]) -> bool:
    lowered = " ".join(re.findall(r"[a-z0-9']+", text.lower()))
    return any(
        re.search(rf"\b{re.escape(' '.join(k.split()))}s?\b", lowered) for k in keywords if k
    )


def _history(conv, message: Message, size: int) -> list[Message]:
    recent = Message.objects.filter(conversation=conv, pk__lte=message.pk).order_by("-id")[:size]
    return list(reversed(recent))


def _handoff(conv, reason: str, config: dict, confidence=None) -> Outcome:
    notice = actions.do_ai_handoff(conv, reason=reason, notice=config["handoff_message"])
    return Outcome("handoff", reason, notice, confidence)


def reply_to_message(message_id: int, provider=None) -> Outcome:
    message = (
        Message.objects.select_related("conversation__business", "conversation__customer")
        .filter(pk=message_id)
        .first()
    )
    if message is None or message.sender_type != Message.SenderType.CUSTOMER:
        return Outcome("skipped", "not a customer message")
    conv = message.conversation
    if not actions.ai_may_answer(conv):
        return Outcome("skipped", "AI off or an agent took over")
    if Message.objects.filter(
        conversation=conv, client_id=actions.ai_reply_client_id(message.pk)
    ).exists():
        return Outcome("skipped", "already answered")
    if Message.objects.filter(
        conversation=conv, sender_type=Message.SenderType.CUSTOMER, pk__gt=message.pk
    ).exists():
        # The customer wrote again: the task of the newest message answers, with this one
        # in its history.
        return Outcome("skipped", "a newer customer message follows")

    config = effective_settings(conv.business)
    already_flagged = conv.needs_human_handoff
    if asks_for_person(message.content, config["handoff_keywords"]):
        return _handoff(conv, REASON_ASKED, config)
    if conv.ai_reply_count >= config["max_replies"]:
        return _handoff(conv, REASON_LIMIT, config)

    provider = provider or get_provider(config["provider"])
    actions.do_show_typing(conv, True)
    try:
        history = _history(conv, message, settings.AI_HISTORY_MESSAGES)
        answer = provider.reply(conv.business, conv, history)
    except Exception as exc:
        # Whatever went wrong (ProviderError, or a bug), a person takes over.
        log = logger.warning if isinstance(exc, ProviderError) else logger.exception
        log("AI provider %s failed on message %s: %s", provider.name, message.pk, exc)
        actions.do_show_typing(conv, False)
        return _handoff(conv, REASON_PROVIDER, config)
    if answer.handoff or answer.confidence < config["confidence_threshold"] or not answer.text:
        actions.do_show_typing(conv, False)
        if already_flagged:
            return Outcome("skipped", "waiting for an agent", confidence=answer.confidence)
        reason = answer.reason if answer.handoff and answer.reason else REASON_LOW_CONFIDENCE
        return _handoff(conv, reason, config, answer.confidence)
    posted = actions.do_post_ai_reply(conv, message, answer.text)
    if posted is None:
        actions.do_show_typing(conv, False)
        return Outcome("skipped", "an agent took over", confidence=answer.confidence)
    return Outcome("replied", answer.source, posted, answer.confidence)
