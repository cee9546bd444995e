"""REST sessions, the /ws stream and webhooks render one session the same way."""

import pytest

from conversations import actions
from conversations.actions import Actor
from conversations.events import EventType
from realtime.projections.stream import frames
from webhooks.payloads import render


@pytest.mark.django_db(transaction=True)
def test_every_surface_shows_the_same_session_and_message(acme, captured_events, client):
    conv = acme.start("Hello!", metadata={"page_url": "https://example.com/pricing"})
    actions.do_assign(conv, acme.agent, actor=Actor.of_agent(acme.owner))
    assigned = next(e for e in captured_events if e.type == EventType.CONVERSATION_ASSIGNED)
    created_msg = next(e for e in captured_events if e.type == EventType.MESSAGE_CREATED)

    auth = {"HTTP_AUTHORIZATION": f"Bearer {acme.raw_api_key}"}
    rest_session = client.get(f"/api/v1/sessions/{conv.pk}", **auth).json()
    rest_messages = client.get(f"/api/v1/sessions/{conv.pk}/messages", **auth).json()

    ws = frames(assigned)[0]["session"]
    hook = render(assigned)[1]["session"]
    assert rest_session == ws == hook
    assert rest_session["id"] == str(conv.pk)
    assert rest_session["metadata"] == {"pageUrl": "https://example.com/pricing"}

    ws_msg = frames(created_msg)[0]["message"]
    hook_msg = render(created_msg)[1]["message"]
    assert rest_messages["messages"][0] == ws_msg == hook_msg
