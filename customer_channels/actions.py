"""Channel actions: managing channels, and the one way an inbound message enters.

``do_receive_inbound`` is every channel's inbound path (email, WhatsApp, Telegram, API): it
finds or creates the customer by their address on the channel, continues their conversation
there or starts one, and stores the message, once per provider message id.
``do_record_receipt`` maps a provider's delivery/read status onto the message's receipts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from attachments.actions import do_upload_attachment
from conversations import errors
from conversations.actions import Actor, create_customer, do_post_message, do_start_conversation
from conversations.actions.messages import do_mark_delivered, do_mark_read
from conversations.models import Business, Conversation, Message
from conversations.validation import check_text
from customer_channels import crypto, kinds, outbox
from customer_channels.models import (
    Channel,
    ChannelConversation,
    ChannelIdentity,
    InboundMessage,
    OutboundMessage,
)
from customer_channels.providers import Sent, telegram

S = Conversation.Status
ADDRESS_MAX = 320
EXTERNAL_ID_MAX = 300


# --- managing channels ----------------------------------------------------------------------


def _name(name, kind: str) -> str:
    if name is None or name == "":
        return kind.title()
    if not isinstance(name, str):
        raise errors.ValidationFailed("name must be a string.", field="name")
    return check_text(name.strip(), "name")[:100] or kind.title()


def create_channel(
    business: Business, *, kind, name=None, settings=None, credentials=None
) -> tuple[Channel, dict]:
    """A new channel; returns it and the secrets PingBack generated for it (shown once)."""
    settings, credentials = kinds.validate(kind, settings, credentials)
    made = kinds.generated(kind)
    channel = Channel.objects.create(
        business=business,
        kind=kind,
        name=_name(name, kind),
        settings=settings,
        credentials_encrypted=crypto.encrypt({**credentials, **made}),
    )
    return channel, made


def update_channel(channel: Channel, *, name=None, settings=None, credentials=None, enabled=None):
    """Change a channel; ``credentials`` given are merged over the stored ones (write-only)."""
    stored = credentials_of(channel)
    generated_keys = set(kinds.generated(channel.kind))
    own = {k: v for k, v in stored.items() if k not in generated_keys}
    if credentials is not None and not isinstance(credentials, dict):
        raise errors.ValidationFailed("credentials must be an object.", field="credentials")
    new_settings, new_credentials = kinds.validate(
        channel.kind,
        channel.settings if settings is None else settings,
        {**own, **(credentials or {})},
    )
    if enabled is not None and not isinstance(enabled, bool):
        raise errors.ValidationFailed("enabled must be true or false.", field="enabled")
    channel.settings = new_settings
    channel.credentials_encrypted = crypto.encrypt(
        {**new_credentials, **{k: stored[k] for k in generated_keys if k in stored}}
    )
    if name is not None:
        channel.name = _name(name, channel.kind)
    if enabled is not None:
        channel.enabled = enabled
    channel.save()
    return channel


def delete_channel(channel: Channel) -> None:
    channel.delete()


def credentials_of(channel: Channel) -> dict:
    return crypto.decrypt(channel.credentials_encrypted)


# --- inbound --------------------------------------------------------------------------------


@dataclass
class Inbound:
    """One message as a provider delivered it, parsed by its adapter."""

    address: str  # the customer's identity on the channel
    external_id: str  # the provider's message id (idempotency)
    content: str = ""
    name: str = ""
    email: str = ""
    # Files as (name, bytes) pairs; stored as attachments of the message.
    files: list[tuple[str, bytes]] = field(default_factory=list)
    # A conversation the adapter matched (email headers); must be this channel's.
    conversation_id: int | None = None
    subject: str = ""  # an email's subject: the replies' subject


def _clean_inbound(item: Inbound) -> Inbound:
    if not isinstance(item.address, str) or not item.address.strip():
        raise errors.ValidationFailed("The sender's address is missing.", field="address")
    item.address = check_text(item.address.strip(), "address")[:ADDRESS_MAX]
    if not isinstance(item.external_id, str) or not item.external_id.strip():
        raise errors.ValidationFailed("The message id is missing.", field="external_id")
    item.external_id = check_text(item.external_id.strip(), "external_id")[:EXTERNAL_ID_MAX]
    if not item.content.strip() and not item.files:
        raise errors.ValidationFailed("The message has no text and no file.", field="content")
    return item


def _identity(channel: Channel, item: Inbound) -> ChannelIdentity:
    identity = (
        ChannelIdentity.objects.select_related("customer")
        .filter(channel=channel, address=item.address)
        .first()
    )
    if identity is not None:
        return identity
    customer = create_customer(channel.business, name=item.name[:200], email=item.email)
    return ChannelIdentity.objects.create(channel=channel, customer=customer, address=item.address)


def _conversation(channel: Channel, identity: ChannelIdentity, item: Inbound):
    links = ChannelConversation.objects.select_related("conversation__business").filter(
        channel=channel, identity=identity
    )
    if item.conversation_id is not None:
        matched = links.filter(conversation_id=item.conversation_id).first()
        if matched is not None and matched.conversation.status != S.CLOSED:
            return matched
    return links.exclude(conversation__status=S.CLOSED).order_by("-conversation_id").first()


def _upload(conv: Conversation, files) -> list[int]:
    ids = []
    for name, data in files:
        upload = ContentFile(data, name=name)
        ids.append(
            do_upload_attachment(
                conv, file=upload, name=name, uploader_type="customer", uploader_id=conv.customer_id
            ).pk
        )
    return ids


def do_receive_inbound(channel: Channel, item: Inbound) -> tuple[Message, bool]:
    """Store one inbound message; ``(message, created)``. A redelivery returns the stored one."""
    item = _clean_inbound(item)
    existing = _already(channel, item.external_id)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return _receive(channel, item), True
    except IntegrityError:
        existing = _already(channel, item.external_id)
        if existing is None:
            raise
        return existing, False


def _already(channel: Channel, external_id: str) -> Message | None:
    row = (
        InboundMessage.objects.select_related("message")
        .filter(channel=channel, external_id=external_id)
        .first()
    )
    return row.message if row is not None else None


def _receive(channel: Channel, item: Inbound) -> Message:
    identity = _identity(channel, item)
    customer = identity.customer
    link = _conversation(channel, identity, item)
    actor = Actor.of_customer(customer)
    if link is None:
        conv, _ = do_start_conversation(
            channel.business,
            customer,
            actor=actor,
            channel_type=channel.conversation_channel_type,
        )
        link = ChannelConversation.objects.create(
            conversation=conv, channel=channel, identity=identity, subject=item.subject[:300]
        )
    conv = link.conversation
    attachment_ids = _upload(conv, item.files) if item.files else None
    message, _ = do_post_message(
        conv,
        sender_type=Message.SenderType.CUSTOMER,
        content=item.content if item.content.strip() else "",
        attachments=attachment_ids,
    )
    InboundMessage.objects.create(channel=channel, external_id=item.external_id, message=message)
    return message


def link_conversation(channel: Channel, conv: Conversation, address: str) -> ChannelConversation:
    """Carry ``conv`` on ``channel`` to ``address`` (idempotent; call inside a transaction):
    a widget conversation continued by email, or a seeded demo conversation."""
    identity = ChannelIdentity.objects.filter(channel=channel, address=address).first()
    if identity is None:
        identity = ChannelIdentity.objects.create(
            channel=channel, customer=conv.customer, address=address
        )
    link, _ = ChannelConversation.objects.get_or_create(
        conversation=conv, defaults={"channel": channel, "identity": identity}
    )
    return link


def do_record_receipt(channel: Channel, external_id: str, status: str, reason: str = "") -> list:
    """A provider said the customer received (``delivered``) or read (``read``) a message,
    or that it could not be delivered after all (``failed``, with ``reason``)."""
    outbound = (
        OutboundMessage.objects.select_related("message__conversation__business", "channel")
        .filter(channel=channel, external_id=external_id)
        .first()
    )
    if outbound is None:
        return []
    if status == "failed":
        outbox.fail_after_sending(outbound, reason or "the provider could not deliver it")
        return []
    mark = {"delivered": do_mark_delivered, "read": do_mark_read}.get(status)
    if mark is None:
        return []
    return mark(outbound.message.conversation, reader="customer", up_to_id=outbound.message_id)


def do_connect(channel: Channel, url: str):
    """Tell the provider where to send this channel's updates (Telegram ``setWebhook``)."""
    if channel.kind == Channel.Kind.TELEGRAM:
        return telegram.set_webhook(channel, url)
    return Sent.refused(f"a {channel.kind} channel is connected in the provider's console")
