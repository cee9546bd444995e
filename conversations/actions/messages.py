"""Messages: posting (idempotent on a client id) and delivery/read receipts."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from attachments.actions import claim, parse_ids
from attachments.models import Attachment
from conversations import errors
from conversations.actions.actor import Actor
from conversations.actions.conversations import do_assign, do_clear_handoff, do_set_status, lock
from conversations.actions.counters import counted_update
from conversations.events import Audience, EventType, WidgetScope, publish, publish_ephemeral
from conversations.models import Agent, ApiKey, Conversation, Message
from conversations.snapshots import conversation_snapshot, iso, message_snapshot
from conversations.validation import check_text
from conversations.visibility import can_see

S = Conversation.Status
S_CUSTOMER, S_AGENT = Message.SenderType.CUSTOMER, Message.SenderType.AGENT
CLIENT_ID_MAX = 100


def validate_content(content) -> str:
    if not isinstance(content, str):
        raise errors.ValidationFailed("content must be a string.", field="content")
    check_text(content, "content")
    if not content.strip():
        raise errors.ValidationFailed("content must not be empty.", field="content")
    limit = settings.MESSAGE_MAX_LENGTH
    if len(content) > limit:
        raise errors.ValidationFailed(
            f"content is {len(content)} characters; the limit is {limit}.",
            code="CONTENT_TOO_LONG",
            field="content",
        )
    return content


def validate_client_id(client_id) -> str | None:
    if client_id is None or client_id == "":
        return None
    if not isinstance(client_id, (str, int)) or isinstance(client_id, bool):
        raise errors.ValidationFailed("client id must be a string.", field="client_id")
    client_id = check_text(str(client_id), "client_id")
    if len(client_id) > CLIENT_ID_MAX:
        raise errors.ValidationFailed(
            f"client id is longer than {CLIENT_ID_MAX} characters.", field="client_id"
        )
    return client_id


def do_post_message(
    conv: Conversation,
    *,
    sender_type: str,
    content: str,
    agent: Agent | None = None,
    is_ai: bool = False,
    client_id: str | None = None,
    content_type: str = Message.ContentType.TEXT,
    recheck_visibility: bool = False,
    attachments: list[int] | None = None,
    api_key: ApiKey | None = None,
):
    """Store a message and announce it; returns ``(message, created)``.

    An operator (``agent``) message names its agent, or the ``api_key`` that sent it as
    itself (an integration with no person behind it: it takes nothing over, but meets a
    pending handoff and counts as the first response).

    ``attachments``: ids of files uploaded to this conversation (``attachments.actions.
    do_upload_attachment``) by the same side; the message becomes an attachment message
    whose ``content`` is an optional caption.

    A retry with the same ``client_id`` in the same conversation returns the stored message
    with ``created=False`` and publishes nothing. A customer writing into a pending, resolved
    or closed conversation reopens it. An agent replying takes the conversation over: an
    unassigned one is assigned to them, a pending handoff request is cleared. The first human
    agent reply records first response.

    ``recheck_visibility``: the caller proved the agent's access before this transaction (a
    socket's cached proof); the agent must still see the conversation as it is under the row
    lock, or the write is refused with ConversationNotFound.
    """

    attachment_ids = parse_ids(attachments)
    if attachment_ids:
        content_type = Message.ContentType.ATTACHMENT
        content = "" if content is None else content
        if content != "":
            content = validate_content(content)
    else:
        content = validate_content(content)
    client_id = validate_client_id(client_id)
    if sender_type not in Message.SenderType.values:
        raise errors.ValidationFailed(f"Unknown sender_type {sender_type!r}.", field="sender_type")
    if sender_type == Message.SenderType.AGENT and agent is None and api_key is None:
        raise errors.ValidationFailed("An agent message needs its agent or API key.")
    if sender_type != Message.SenderType.AGENT or agent is not None:
        api_key = None
    if agent is not None and agent.business_id != conv.business_id:
        raise errors.AgentNotFound("Agent not found.")
    if content_type not in Message.ContentType.values:
        raise errors.ValidationFailed(f"Unknown content_type {content_type!r}.")

    recheck = agent if recheck_visibility and sender_type == Message.SenderType.AGENT else None
    # Idempotency is the unique constraint's job (no read first): a retry's insert fails, the
    # transaction (a savepoint when nested) rolls back with every event it published, and the
    # stored message is returned.
    try:
        with transaction.atomic():
            message = _post(
                conv,
                sender_type,
                content,
                agent,
                is_ai,
                client_id,
                content_type,
                recheck,
                attachment_ids,
                api_key,
            )
            return message, True
    except IntegrityError:
        if client_id is None:
            raise
        existing = (
            Message.objects.select_related("conversation__customer", "sender_agent__user")
            .filter(conversation_id=conv.pk, client_id=client_id)
            .first()
        )
        if existing is None:
            raise
        return _with_attachments(existing, conv), False


def _check_visible(conv: Conversation, agent: Agent | None) -> None:
    if agent is not None and not can_see(agent.pk, agent.is_manager, conv.assignee_id):
        raise errors.ConversationNotFound("Conversation not found.")


def _with_attachments(msg: Message, conv: Conversation) -> Message:
    """A stored message returned to a retry, with what its snapshot needs already loaded (async
    callers render it without touching the database)."""
    if not Message.conversation.is_cached(msg):
        msg.conversation = conv
    if msg.content_type == Message.ContentType.ATTACHMENT:
        msg.attachment_rows = list(msg.attachments.all())
    return msg


def _post(
    conv,
    sender_type,
    content,
    agent,
    is_ai,
    client_id,
    content_type,
    recheck,
    attachment_ids=(),
    api_key=None,
) -> Message:
    # Attachment messages take the locking path (their files are claimed under the row lock).
    if settings.IS_POSTGRES and sender_type in (S_CUSTOMER, S_AGENT) and not attachment_ids:
        now = timezone.now()  # the message's time is the conversation's last activity
        fast = counted_update(conv.pk, sender_type, content[:300], now)
        if fast is not None:
            # The common case in one statement: the conversation needed no status, assignment
            # or handoff change, so the counters were bumped in place (UPDATE ... RETURNING,
            # which also holds the row lock until commit: one conversation's messages still
            # commit in order).
            _check_visible(fast, recheck)
            msg = Message.objects.create(
                created_at=now,
                business_id=fast.business_id,
                conversation=fast,
                sender_type=sender_type,
                sender_agent=agent,
                sender_api_key=api_key,
                content=content,
                content_type=content_type,
                client_id=client_id,
            )
            _publish_created(fast, msg)
            return msg

    try:
        conv = lock(conv)
    except Conversation.DoesNotExist:
        raise errors.ConversationNotFound("Conversation not found.") from None
    _check_visible(conv, recheck)
    files = claim(conv, attachment_ids, sender_type) if attachment_ids else []
    if sender_type == Message.SenderType.CUSTOMER and conv.status != S.OPEN:
        do_set_status(conv, S.OPEN, actor=Actor.of_customer(conv.customer))
        conv = lock(conv)
    elif sender_type == Message.SenderType.AGENT:
        # A human reply is a takeover: an unassigned conversation becomes the replier's (so two
        # agents don't answer the same customer) and a pending handoff request is met.
        replier = Actor.of_agent(agent) if agent is not None else Actor.of_api_key(api_key)
        if conv.assignee_id is None and agent is not None:
            do_assign(conv, agent, actor=replier)
            conv = lock(conv)
        elif conv.needs_human_handoff:
            do_clear_handoff(conv, actor=replier)
            conv = lock(conv)
    msg = Message.objects.create(
        business_id=conv.business_id,
        conversation=conv,
        sender_type=sender_type,
        sender_agent=agent,
        sender_api_key=api_key,
        is_ai=is_ai and sender_type == Message.SenderType.SYSTEM,
        content=content,
        content_type=content_type,
        client_id=client_id,
    )
    if files:
        Attachment.objects.filter(pk__in=[a.pk for a in files]).update(message=msg)
        for a in files:
            a.message = msg
        msg.attachment_rows = files
    preview = (content or ", ".join(f"📎 {a.original_name}" for a in files))[:300]
    conv.last_activity_at = msg.created_at
    conv.last_message_text = preview
    if not conv.first_message_text:
        conv.first_message_text = preview
    conv.message_count += 1
    if sender_type == Message.SenderType.AGENT and conv.first_response_at is None:
        conv.first_response_at = msg.created_at
    if sender_type == Message.SenderType.SYSTEM and msg.is_ai:
        conv.ai_reply_count += 1
    # The hot path: write only what a message changes, not the whole row.
    conv.save(
        update_fields=[
            "last_activity_at",
            "last_message_text",
            "first_message_text",
            "message_count",
            "first_response_at",
            "ai_reply_count",
            "updated_at",
        ]
    )
    _publish_created(conv, msg, files)
    return msg


def _publish_created(conv: Conversation, msg: Message, files=()) -> None:
    if conv.channel_type != Conversation.Channel.WEBCHAT:
        # A reply on an email/WhatsApp/Telegram/API conversation gets its outbox row in this
        # transaction (customer_channels imports this module, hence the late import).
        from customer_channels.outbox import queue_outbound

        queue_outbound(conv, msg)
    publish(
        EventType.MESSAGE_CREATED,
        business=conv.business,
        audience=Audience.of_conversation(conv),
        data={
            "message": message_snapshot(msg, attachments=files),
            "conversation": conversation_snapshot(conv),
        },
    )


def _mark(conv: Conversation, reader: str, up_to_id, field: str, event_type: EventType):
    if reader not in ("customer", "agent"):
        raise errors.ValidationFailed("reader must be customer or agent.")
    if up_to_id is not None and (isinstance(up_to_id, bool) or not isinstance(up_to_id, int)):
        raise errors.ValidationFailed("message id must be an integer.", field="message_id")
    # The reader marks what the other side wrote: a customer reads agent and system messages.
    if reader == "customer":
        qs = Message.objects.filter(conversation_id=conv.pk).exclude(
            sender_type=Message.SenderType.CUSTOMER
        )
    else:
        qs = Message.objects.filter(
            conversation_id=conv.pk, sender_type=Message.SenderType.CUSTOMER
        )
    if up_to_id is not None:
        qs = qs.filter(pk__lte=up_to_id)
    with transaction.atomic():
        conv = lock(conv)
        now = timezone.now()
        ids = list(
            qs.filter(**{f"{field}__isnull": True}).order_by("id").values_list("id", flat=True)
        )
        if not ids:
            return []
        updates = {field: now}
        if field == "read_at":
            # Reading implies delivery.
            Message.objects.filter(pk__in=ids, delivered_at__isnull=True).update(delivered_at=now)
        Message.objects.filter(pk__in=ids).update(**updates)
        receipts = [{"message_id": i, field: iso(now)} for i in ids]
        marked = list(
            Message.objects.filter(pk__in=ids)
            .select_related("sender_agent__user")
            .prefetch_related("attachments")
            .order_by("id")
        )
        for m in marked:
            m.conversation = conv  # the customer's name comes from it: no query per row
        publish(
            event_type,
            business=conv.business,
            audience=Audience.of_conversation(conv, widgets=WidgetScope.CONVERSATION),
            data={
                "conversation_id": conv.pk,
                "customer_id": conv.customer_id,
                "reader": reader,
                "receipts": receipts,
                "messages": [message_snapshot(m) for m in marked],
            },
        )
    return receipts


def do_mark_delivered(conv: Conversation, *, reader: str, up_to_id: int | None = None):
    """Mark the other side's messages (up to ``up_to_id``) delivered to ``reader``."""
    return _mark(conv, reader, up_to_id, "delivered_at", EventType.MESSAGES_DELIVERED)


def do_mark_read(conv: Conversation, *, reader: str, up_to_id: int | None = None):
    """Mark the other side's messages (up to ``up_to_id``) read by ``reader``."""
    return _mark(conv, reader, up_to_id, "read_at", EventType.MESSAGES_READ)


def do_set_typing(conv: Conversation, *, is_typing: bool, agent: Agent | None = None) -> None:
    """Someone (``agent``, or the conversation's customer) started or stopped typing.

    Ephemeral: delivered live to whoever may see the conversation, never stored.
    """
    if not isinstance(is_typing, bool):
        raise errors.ValidationFailed("is_typing must be true or false.", field="is_typing")
    if agent is not None and agent.business_id != conv.business_id:
        raise errors.AgentNotFound("Agent not found.")
    actor = Actor.of_agent(agent) if agent is not None else Actor.of_customer(conv.customer)
    publish_ephemeral(
        EventType.TYPING,
        business=conv.business,
        audience=Audience.of_conversation(conv),
        data={
            "conversation_id": conv.pk,
            # The server's view of who types, never a client's claim.
            "user_id": agent.pk if agent is not None else conv.customer_id,
            "sender_type": "agent" if agent is not None else "customer",
            "is_typing": is_typing,
            "is_ai": False,
            "actor": actor.snapshot(),
        },
    )
