"""Refusals in words: branded 404/500 pages, JSON sentences for the page's scripts, blank and
over-long replies, the length limit shown before sending, the favicon."""

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from conversations import actions
from conversations.actions import Actor
from conversations.models import Message

JSON = {"HTTP_ACCEPT": "application/json"}


def url(name, *args):
    return reverse(f"inbox:{name}", args=args)


@pytest.fixture
def as_agent(client, acme):
    client.force_login(acme.agent.user)
    return client


def test_a_conversation_taken_over_is_a_branded_404_with_a_sentence(as_agent, acme):
    conv = acme.start()
    assert as_agent.get(url("conversation", conv.pk)).status_code == 200
    actions.do_assign(conv, acme.owner, actor=Actor.of_agent(acme.owner))
    page = as_agent.get(url("conversation", conv.pk))
    assert page.status_code == 404
    body = page.content.decode()
    assert "PingBack" in body and "a colleague may have taken it over" in body
    assert "Traceback" not in body and "Page not found at" not in body
    # The page's scripts get the same sentence as JSON.
    reply = as_agent.post(url("reply", conv.pk), {"content": "hi"}, **JSON)
    assert reply.status_code == 404
    assert "a colleague may have taken it over" in reply.json()["message"]


def test_foreign_and_unknown_conversation_ids_get_the_same_page(as_agent, acme, globex):
    foreign = globex.start()
    a = as_agent.get(url("conversation", foreign.pk))
    b = as_agent.get(url("conversation", 999_999))
    assert a.status_code == b.status_code == 404
    assert b"a colleague may have taken it over" in a.content
    assert b"a colleague may have taken it over" in b.content


def test_a_reply_of_only_spaces_is_refused_in_words(as_agent, acme):
    conv = acme.start()
    for blank in ["   ", "\n\t ", ""]:
        response = as_agent.post(url("reply", conv.pk), {"content": blank}, **JSON)
        assert response.status_code == 400
        assert response.json()["message"] == "Write a message first."
    # Without JavaScript: a flash message on the conversation page.
    response = as_agent.post(url("reply", conv.pk), {"content": "  "}, follow=True)
    assert "Write a message first." in response.content.decode()
    assert Message.objects.filter(conversation=conv).count() == 1


def test_an_over_long_reply_is_refused_with_the_limit(as_agent, acme):
    conv = acme.start()
    limit = settings.MESSAGE_MAX_LENGTH
    response = as_agent.post(url("reply", conv.pk), {"content": "x" * (limit + 1)}, **JSON)
    assert response.status_code == 400
    message = response.json()["message"]
    assert f"{limit + 1} characters long" in message and f"limit is {limit}" in message
    ok = as_agent.post(url("reply", conv.pk), {"content": "x" * limit}, **JSON)
    assert ok.status_code == 201


def test_the_length_limit_is_shown_before_sending_and_not_silently_cut(as_agent, acme):
    conv = acme.start()
    page = as_agent.get(url("conversation", conv.pk)).content.decode()
    limit = settings.MESSAGE_MAX_LENGTH
    assert f'data-max-length="{limit}"' in page
    assert f"0 / {limit}" in page
    assert "maxlength=" not in page.split('id="reply"')[1].split(">")[0]


def test_refused_actions_say_why_in_words(as_agent, acme):
    conv = acme.start()
    bad = as_agent.post(url("status", conv.pk), {"action": "explode"}, **JSON)
    assert bad.status_code == 400
    assert "explode" in bad.json()["message"] and "content:" not in bad.json()["message"]
    assign = as_agent.post(url("assign", conv.pk), {"assignee": "bob"}, **JSON)
    assert assign.json()["message"] == "Choose an agent."


@pytest.mark.parametrize("path", ["/inbox/nope/", "/widget/nope/", "/nope/"])
def test_unknown_pages_are_branded_and_api_stays_json(client, db, path, settings):
    settings.DEBUG = False
    page = client.get(path)
    assert page.status_code == 404
    assert b"Nothing here" in page.content and b"favicon.svg" in page.content
    api = client.get("/api/v1/nope/")
    assert api.status_code == 404 and api["Content-Type"].startswith("application/json")


def test_the_500_page_renders_without_any_context(db):
    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html and "favicon.svg" in html


def test_favicon_is_served_and_linked(client, acme):
    assert b"inbox/favicon.svg" in client.get("/inbox/login/").content
    client.force_login(acme.agent.user)
    assert b"inbox/favicon.svg" in client.get("/inbox/").content
    assert client.get("/static/inbox/favicon.svg").status_code == 200
