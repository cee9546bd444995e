"""Posting messages: idempotency, validation, receipts."""

import pytest
from django.test import override_settings

from conversations import actions, errors
from conversations.models import Message


def test_same_client_id_twice_gives_one_message(acme):
    conv = acme.start()
    first, created = actions.do_post_message(
        conv, sender_type="customer", content="hi", client_id="c-1"
    )
    again, created_again = actions.do_post_message(
        conv, sender_type="customer", content="hi", client_id="c-1"
    )
    assert created and not created_again
    assert first.pk == again.pk
    assert Message.objects.filter(conversation=conv, client_id="c-1").count() == 1
    conv.refresh_from_db()
    assert conv.message_count == 2  # opening message + one


def test_the_same_client_id_in_two_conversations_is_two_messages(acme):
    a, b = acme.start(), acme.start()
    m1, _ = actions.do_post_message(a, sender_type="customer", content="x", client_id="same")
    m2, _ = actions.do_post_message(b, sender_type="customer", content="x", client_id="same")
    assert m1.pk != m2.pk


def test_retried_first_message_returns_the_conversation_it_started(acme):
    from conversations.actions import Actor

    args = {
        "actor": Actor.of_customer(acme.customer),
        "opening_message": "hello",
        "opening_client_id": "first-1",
    }
    conv1, m1 = actions.do_start_conversation(acme.business, acme.customer, **args)
    conv2, m2 = actions.do_start_conversation(acme.business, acme.customer, **args)
    assert conv1.pk == conv2.pk and m1.pk == m2.pk


@pytest.mark.parametrize("content", ["", "   ", None, 42, ["x"]])
def test_invalid_content_is_refused(acme, content):
    with pytest.raises(errors.ValidationFailed):
        actions.do_post_message(acme.start(), sender_type="customer", content=content)


@override_settings(MESSAGE_MAX_LENGTH=10)
def test_oversize_content_is_refused_with_its_own_code(acme):
    conv = acme.start("short")
    with pytest.raises(errors.ValidationFailed) as info:
        actions.do_post_message(conv, sender_type="customer", content="x" * 11)
    assert info.value.code == "CONTENT_TOO_LONG"


def test_agent_message_needs_an_agent_of_the_same_business(acme, globex):
    conv = acme.start()
    with pytest.raises(errors.ValidationFailed):
        actions.do_post_message(conv, sender_type="agent", content="hi")
    with pytest.raises(errors.AgentNotFound):
        actions.do_post_message(conv, sender_type="agent", content="hi", agent=globex.agent)


def test_ai_replies_are_system_messages_marked_ai(acme):
    conv = acme.start()
    msg, _ = actions.do_post_message(conv, sender_type="system", content="From the KB", is_ai=True)
    assert msg.sender_type == "system" and msg.is_ai and msg.kind == "ai"
    conv.refresh_from_db()
    assert conv.ai_reply_count == 1


def test_delivered_and_read_mark_the_other_sides_messages(acme):
    conv = acme.start("question")
    reply, _ = actions.do_post_message(
        conv, sender_type="agent", content="answer", agent=acme.agent
    )
    receipts = actions.do_mark_delivered(conv, reader="customer", up_to_id=reply.pk)
    assert [r["message_id"] for r in receipts] == [reply.pk]
    reply.refresh_from_db()
    assert reply.delivered_at and not reply.read_at
    assert actions.do_mark_delivered(conv, reader="customer", up_to_id=reply.pk) == []
    read = actions.do_mark_read(conv, reader="agent")
    assert len(read) == 1
    question = Message.objects.get(conversation=conv, sender_type="customer")
    assert question.read_at and question.delivered_at  # reading implies delivery
