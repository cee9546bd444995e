"""The event contract: every event type is published by an action with its declared payload,
and every surface's projection table covers every type and renders frames that fit the
surface's schema."""

import pytest

from conversations import actions
from conversations.actions import Actor
from conversations.events import PAYLOADS, EventType, Projection
from conversations.models import Agent
from conversations.pocketping_events import FRAMES as POCKETPING_FRAMES
from conversations.pocketping_events import POCKETPING
from realtime.projections.socketio import FRAMES as SOCKETIO_FRAMES
from realtime.projections.socketio import SOCKETIO
from realtime.projections.stream import STREAM
from realtime.projections.topics import FRAMES as TOPIC_FRAMES
from realtime.projections.topics import TOPICS, Control, Publish
from tests.typed_schema import validate

PROJECTIONS = [SOCKETIO, TOPICS, STREAM, POCKETPING]


def every_event_type(tenant) -> None:
    """Run the actions that, together, publish every event type."""
    actor = Actor.of_agent(tenant.owner)
    conv = tenant.start()
    actions.do_assign(conv, tenant.agent, actor=actor)
    actions.do_request_handoff(conv, reason="low confidence", actor=Actor.ai())
    actions.do_clear_handoff(conv, actor=actor)
    actions.do_set_ai_enabled(conv, True, actor=actor)
    msg, _ = actions.do_post_message(conv, sender_type="agent", content="hi", agent=tenant.agent)
    # An attachment message (an image and a PDF) renders its files on every surface.
    from attachments.actions import do_upload_attachment
    from tests.attachments.files import pdf_bytes, png_file

    image = do_upload_attachment(conv, file=png_file(), name="shot.png", uploader_type="agent")
    pdf = do_upload_attachment(conv, file=pdf_bytes(), name="a.pdf", uploader_type="agent")
    actions.do_post_message(
        conv, sender_type="agent", content="", agent=tenant.agent, attachments=[image.pk, pdf.pk]
    )
    _channel_deliveries(tenant)
    # Team tools: a note mentioning a manager, labels on and off.
    from teamtools.actions.labels import create_label, do_set_labels
    from teamtools.actions.notes import do_add_note

    do_add_note(conv, author=tenant.agent, content="@olivia please check")
    vip = create_label(tenant.business, name="vip", color="#d97706")
    do_set_labels(conv, add=[vip], actor=actor)
    do_set_labels(conv, remove=[vip], actor=actor)
    from datetime import timedelta

    from django.utils import timezone

    # An agent starts a conversation with a widget customer: their widget is told.
    from teamtools.actions.outreach import do_start_outreach
    from teamtools.actions.snooze import do_snooze

    do_start_outreach(
        tenant.business,
        tenant.customer,
        agent=tenant.owner,
        actor=actor,
        channel_type="webchat",
        message="We have news about your order",
    )
    do_snooze(conv, timezone.now() + timedelta(hours=1), actor=actor)
    actions.do_set_status(conv, "open", actor=actor)
    actions.do_mark_delivered(conv, reader="customer", up_to_id=msg.pk)
    actions.do_mark_read(conv, reader="customer")
    actions.do_mark_read(conv, reader="agent")
    actions.do_identify_customer(tenant.customer, name="Jane", email="jane@x.test", actor=actor)
    from teamtools.actions.merge import do_merge_customers

    twin = actions.create_customer(tenant.business, name="Jane again")
    tenant.start("from my phone", customer=twin)
    do_merge_customers(tenant.customer, twin, actor=actor)
    actions.do_set_agent_status(tenant.agent, Agent.Status.ONLINE)
    from business_settings.actions import update_widget_settings

    update_widget_settings(tenant.business, color="#123456", language="fr")
    actions.do_set_typing(conv, is_typing=True, agent=tenant.agent)
    actions.do_set_typing(conv, is_typing=False)
    from ai.actions import do_show_typing

    do_show_typing(conv, True)
    from inbox.actions import do_set_viewing

    do_set_viewing(tenant.owner, conv, True)
    actions.do_set_pending(conv, actor=actor)
    actions.do_close(conv, actor=actor)
    from csat.actions import do_rate_conversation

    do_rate_conversation(conv, score=4, comment="quick", actor=Actor.of_customer(conv.customer))
    actions.do_assign(conv, None, actor=actor)
    actions.add_agent(tenant.business, tenant.other_agent.user, "admin")
    actions.revoke_api_key(tenant.api_key)
    from privacy.actions import do_erase_customer

    leaving = actions.create_customer(tenant.business, name="Leaving", email="bye@x.test")
    tenant.start("Please delete my account.", customer=leaving)
    do_erase_customer(leaving, actor=actor)


def _channel_deliveries(tenant) -> None:
    """An email reply goes out (channel_sent, in-memory email); a reply on a disabled
    Telegram channel: the outbox gives up (delivery_failed)."""
    from customer_channels import actions as channel_actions
    from customer_channels.outbox import deliver
    from pingback.tasks import wait_for_local_tasks

    email, _ = channel_actions.create_channel(
        tenant.business, kind="email", settings={"address": "support@acme.test"}
    )
    mail, _ = channel_actions.do_receive_inbound(
        email,
        channel_actions.Inbound(
            address="tom@example.net", external_id="<1@example.net>", content="hi", subject="Hi"
        ),
    )
    answer, _ = actions.do_post_message(
        mail.conversation, sender_type="agent", content="hello", agent=tenant.agent
    )
    wait_for_local_tasks()  # the outbox task may have sent it already
    deliver(answer.outbound.pk)

    channel, _ = channel_actions.create_channel(
        tenant.business, kind="telegram", credentials={"bot_token": "1:x"}
    )
    inbound, _ = channel_actions.do_receive_inbound(
        channel, channel_actions.Inbound(address="42", external_id="42:1", content="hi")
    )
    channel_actions.update_channel(channel, enabled=False)
    reply, _ = actions.do_post_message(
        inbound.conversation, sender_type="agent", content="sorry", agent=tenant.agent
    )
    wait_for_local_tasks()  # the outbox task may have given up already
    deliver(reply.outbound.pk)


@pytest.fixture
def every_event(acme, captured_events):
    every_event_type(acme)
    return list(captured_events)


def test_every_projection_has_a_row_for_every_event_type():
    for projection in PROJECTIONS:
        assert set(projection.rows) == set(EventType), projection.surface


def test_a_projection_missing_an_event_type_is_refused():
    rows = {t: (lambda event: []) for t in EventType if t != EventType.TYPING}
    with pytest.raises(TypeError, match=r"conversation\.typing"):
        Projection("incomplete", rows)


def test_every_event_type_has_a_declared_payload():
    assert set(PAYLOADS) == set(EventType)


@pytest.mark.django_db(transaction=True)
def test_actions_publish_every_event_type_with_its_declared_payload(every_event):
    assert {e.type for e in every_event} == set(EventType)
    for event in every_event:
        validate(event.data, PAYLOADS[event.type], f"{event.type}")


@pytest.mark.django_db(transaction=True)
def test_socketio_frames_fit_their_schema(every_event):
    names = set()
    for event in every_event:
        for emit in SOCKETIO.render(event):
            validate(emit.payload, SOCKETIO_FRAMES[emit.name], f"{event.type} -> {emit.name}")
            assert emit.rooms, f"{event.type} -> {emit.name} reaches no room"
            names.add(emit.name)
    assert names == set(SOCKETIO_FRAMES)


@pytest.mark.django_db(transaction=True)
def test_topic_publishes_fit_their_schema(every_event):
    kinds = set()
    for event in every_event:
        for item in TOPICS.render(event):
            if isinstance(item, Control):
                validate(item.message, TOPIC_FRAMES[item.message["type"]], str(event.type))
                kinds.add(item.message["type"])
                continue
            assert isinstance(item, Publish)
            kind = item.topic.kind
            validate(item.item, TOPIC_FRAMES[kind], f"{event.type} -> {item.topic.name}")
            kinds.add(kind)
    assert kinds == set(TOPIC_FRAMES)


@pytest.mark.django_db(transaction=True)
def test_ws_and_webhooks_send_the_same_event_with_the_same_schema(every_event):
    names = set()
    for event in every_event:
        rendered = POCKETPING.render(event)
        assert len(rendered) <= 1, "one integration event per domain event"
        stream = [f for f in STREAM.render(event) if isinstance(f, dict)]
        assert [(f["type"], {k: v for k, v in f.items() if k != "type"}) for f in stream] == [
            tuple(r) for r in rendered
        ]
        for name, data in rendered:
            validate(data, POCKETPING_FRAMES[name], f"{event.type} -> {name}")
            names.add(name)
    assert names == set(POCKETPING_FRAMES)


@pytest.mark.django_db(transaction=True)
def test_ephemeral_events_are_not_stored(acme, captured_events):
    from conversations.models import EventLog

    conv = acme.start()
    before = EventLog.objects.count()
    actions.do_set_typing(conv, is_typing=True)
    typing = captured_events[-1]
    assert typing.type == EventType.TYPING and typing.id is None
    assert typing.data["user_id"] == acme.customer.pk
    assert EventLog.objects.count() == before


def test_background_subscribers_are_only_handed_the_types_they_act_on(every_event):
    """A background subscriber names its event types (the others skip the thread pool): every
    event outside them is one it would have ignored anyway."""
    from conversations import auto_assign
    from conversations.events import subscribers
    from inbox import notify_email

    registered = subscribers()
    background = {n: s for n, s in registered.items() if s.mode == "background"}
    assert set(background) >= {
        "ai.auto_reply",
        "auto-assign",
        "business_hours.away_reply",
        "customer_channels.csat_link",
        "inbox-email",
        "webhooks",
    }
    assert all(s.types for s in background.values()), "a background subscriber takes every type"
    assert background["webhooks"].types == POCKETPING.shown_types()
    for event in every_event:
        if not background["auto-assign"].wants(event.type):
            assert not auto_assign.may_free_or_wait(event), event.type
        if not background["inbox-email"].wants(event.type):
            assert notify_email._wanted(event) is None, event.type
        if not background["webhooks"].wants(event.type):
            assert POCKETPING.render(event) == [], event.type
    for name in ("ai.auto_reply", "business_hours.away_reply"):
        assert background[name].types == {EventType.MESSAGE_CREATED}
    assert background["customer_channels.csat_link"].types == {
        EventType.CONVERSATION_STATUS_CHANGED
    }
