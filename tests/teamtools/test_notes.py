"""Private notes: the action, its staff-only event, REST with bad input and other businesses."""

import pytest

from conversations import actions, errors
from conversations.actions import Actor
from conversations.events import EventType
from conversations.pocketping_events import POCKETPING
from realtime.projections.socketio import SOCKETIO
from teamtools.actions.notes import do_add_note
from teamtools.models import Note
from tests.api.conftest import assert_error, client_for

pytestmark = pytest.mark.django_db


def notes_of(events):
    return [e for e in events if e.type == EventType.NOTE_CREATED]


@pytest.mark.django_db(transaction=True)
def test_a_note_mentioning_a_colleague_notifies_them_and_no_customer(acme, captured_events):
    conv = acme.start("where is my refund?")
    note = do_add_note(conv, author=acme.agent, content="@adam can you approve this refund?")
    assert [a.pk for a in note.mentions.all()] == [acme.admin.pk]
    (event,) = notes_of(captured_events)
    assert event.audience.allows_customer(conv.customer_id, acme.business.pk) is False
    assert event.data["note"]["content"] == "@adam can you approve this refund?"
    emits = SOCKETIO.render(event)
    rooms = [room for emit in emits for room in emit.rooms]
    assert not [room for room in rooms if room.endswith("_customer") or "widgets" in room]
    mentioned = [e for e in emits if e.name == "mentioned"]
    assert [e.rooms for e in mentioned] == [[f"agent_{acme.admin.pk}"]]
    assert mentioned[0].payload["author_name"] == "Alice"
    # /ws and webhooks (PocketPing) never show a note.
    assert POCKETPING.render(event) == []


def test_mentions_by_email_local_part_and_ids_and_never_the_author(acme):
    conv = acme.start()
    note = do_add_note(
        conv,
        author=acme.owner,
        content="@olivia notes to self; @adam@acme.test and @ALICE look",
        mention_ids=[acme.other_agent.pk],
    )
    assert sorted(a.pk for a in note.mentions.all()) == sorted(
        [acme.admin.pk, acme.agent.pk, acme.other_agent.pk]
    )


@pytest.mark.django_db(transaction=True)
def test_a_colleague_who_cannot_see_the_conversation_cannot_be_mentioned(acme, captured_events):
    conv = acme.start()
    actions.do_assign(conv, acme.agent, actor=Actor.of_agent(acme.owner))
    with pytest.raises(errors.ValidationFailed) as refused:
        do_add_note(conv, author=acme.agent, content="@arthur have a look")
    assert refused.value.code == "MENTION_NOT_VISIBLE"
    assert "Arthur cannot see this conversation" in refused.value.message
    assert Note.objects.count() == 0 and notes_of(captured_events) == []


def test_an_agent_who_cannot_see_the_conversation_cannot_note_it(acme, globex):
    conv = acme.start()
    actions.do_assign(conv, acme.agent, actor=Actor.of_agent(acme.owner))
    with pytest.raises(errors.ConversationNotFound):
        do_add_note(conv, author=acme.other_agent, content="sneaky")
    with pytest.raises(errors.AgentNotFound):
        do_add_note(conv, author=globex.owner, content="foreign")


def test_notes_are_not_messages(acme):
    conv = acme.start("hi")
    do_add_note(conv, author=acme.owner, content="internal only")
    conv.refresh_from_db()
    assert conv.message_count == 1 and conv.last_message_text == "hi"
    assert not conv.messages.filter(content__contains="internal").exists()


# --- REST ------------------------------------------------------------------------------------


def test_rest_add_and_list_notes(acme):
    conv = acme.start()
    owner = client_for(acme, "owner")
    created = owner.post(
        f"/api/v1/conversations/{conv.pk}/notes", {"content": "@adam please call them"}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["author"] == {"id": acme.owner.pk, "name": "Olivia"}
    assert body["mentions"] == [{"id": acme.admin.pk, "name": "Adam"}]
    listed = owner.get(f"/api/v1/conversations/{conv.pk}/notes").json()["results"]
    assert [n["id"] for n in listed] == [body["id"]]
    # An API key names the author.
    key = client_for(acme, "key")
    assert_error(
        key.post(f"/api/v1/conversations/{conv.pk}/notes", {"content": "x"}), 400, "AGENT_REQUIRED"
    )
    by_key = key.post(
        f"/api/v1/conversations/{conv.pk}/notes",
        {"content": "from a bot", "agent_id": acme.admin.pk},
    )
    assert by_key.status_code == 201 and by_key.json()["author"]["id"] == acme.admin.pk


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"content": ""},
        {"content": "   "},
        {"content": 5},
        {"content": "a\x00b"},
        {"content": "x" * 100_000},
        {"content": "ok", "mention_ids": "1"},
        {"content": "ok", "mention_ids": [0]},
        ["content"],
    ],
)
def test_rest_bad_note_input_is_a_400(acme, body):
    conv = acme.start()
    response = client_for(acme, "owner").post(f"/api/v1/conversations/{conv.pk}/notes", body)
    assert response.status_code == 400, response.content
    assert set(response.json()) >= {"error", "message", "code"}


def test_rest_notes_of_another_business_or_unseen_conversation_are_404(acme, globex):
    theirs = globex.start()
    ours = acme.start()
    actions.do_assign(ours, acme.agent, actor=Actor.of_agent(acme.owner))
    owner = client_for(acme, "owner")
    for call, body in ((owner.get, None), (owner.post, {"content": "x"})):
        for conv_id in (theirs.pk, "nope", 2**70):
            response = call(f"/api/v1/conversations/{conv_id}/notes", body)
            assert_error(response, 404, "CONVERSATION_NOT_FOUND")
    other = client_for(acme, "other_agent")
    assert_error(other.get(f"/api/v1/conversations/{ours.pk}/notes"), 404, "CONVERSATION_NOT_FOUND")
    # Mentioning another business's agent: unknown here.
    assert_error(
        owner.post(
            f"/api/v1/conversations/{ours.pk}/notes",
            {"content": "x", "mention_ids": [globex.owner.pk]},
        ),
        404,
        "AGENT_NOT_FOUND",
    )
    assert_error(
        owner.get(f"/api/v1/conversations/{ours.pk}/notes?limit=5"), 400, "UNKNOWN_PARAMETER"
    )


def test_note_list_queries_are_bounded(acme, django_assert_max_num_queries):
    conv = acme.start()
    for i in range(10):
        do_add_note(conv, author=acme.owner, content=f"note {i} @adam @alice")
    owner = client_for(acme, "owner")
    with django_assert_max_num_queries(8):
        response = owner.get(f"/api/v1/conversations/{conv.pk}/notes")
    assert len(response.json()["results"]) == 10
