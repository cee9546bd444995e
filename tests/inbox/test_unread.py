"""Unread state per agent and conversation: counts per row and per filter, bold rows, POST to
read, forward only; avatars, linkified URLs, relative times; the message partial."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations import actions
from conversations.models import AgentReadState, Message
from inbox.actions import do_mark_conversation_read
from inbox.templatetags.inbox_tags import initials, linkify, relative

JSON = {"HTTP_ACCEPT": "application/json"}


def url(name, *args):
    return reverse(f"inbox:{name}", args=args)


@pytest.fixture
def as_agent(client, acme):
    client.force_login(acme.agent.user)
    return client


def row_of(html: str, conv_id: int) -> str:
    start = html.index(f'data-conversation-id="{conv_id}"')
    return html[html.rindex("<li", 0, start) : html.index("</li>", start)]


def test_unread_counts_per_row_and_filter_until_the_agent_reads(as_agent, acme):
    conv = acme.start("first")
    actions.do_post_message(conv, sender_type="customer", content="second")
    other = acme.start("elsewhere")
    page = as_agent.get("/inbox/")
    html = page.content.decode()
    assert 'data-unread="2"' in row_of(html, conv.pk)
    assert "unread" in row_of(html, conv.pk).split('"')[1]  # the row's class: bold
    assert page.context["counts"]["unread"]["open"] == 2
    assert page.context["counts"]["waiting_unread"] == 2
    # Reading is a POST; the conversation then has no unread messages for this agent only.
    assert as_agent.post(url("read", conv.pk), **JSON).status_code == 200
    page = as_agent.get("/inbox/")
    assert 'data-unread="0"' in row_of(page.content.decode(), conv.pk)
    assert 'data-unread="1"' in row_of(page.content.decode(), other.pk)
    assert page.context["counts"]["unread"]["open"] == 1
    state = AgentReadState.objects.get(agent=acme.agent, conversation=conv)
    assert state.last_read_message_id == Message.objects.filter(conversation=conv).last().pk
    # Another agent still sees it unread.
    as_agent.force_login(acme.other_agent.user)
    assert 'data-unread="2"' in row_of(as_agent.get("/inbox/").content.decode(), conv.pk)


def test_a_new_customer_message_makes_it_unread_again_and_marks_only_move_forward(acme):
    conv = acme.start("first")
    do_mark_conversation_read(acme.agent, conv)
    first = AgentReadState.objects.get(agent=acme.agent, conversation=conv).last_read_message_id
    newer, _ = actions.do_post_message(conv, sender_type="customer", content="again")
    # A late POST from an older tab (up to the first message) never moves the mark back.
    do_mark_conversation_read(acme.agent, conv, up_to_id=first)
    assert (
        AgentReadState.objects.get(agent=acme.agent, conversation=conv).last_read_message_id
        == first
    )
    do_mark_conversation_read(acme.agent, conv, up_to_id=newer.pk + 1000)
    assert (
        AgentReadState.objects.get(agent=acme.agent, conversation=conv).last_read_message_id
        == newer.pk
    )


def test_read_is_refused_for_foreign_hidden_and_bad_input(as_agent, acme, globex):
    foreign = globex.start()
    assert as_agent.post(url("read", foreign.pk), **JSON).status_code == 404
    theirs = acme.start()
    actions.do_assign(theirs, acme.other_agent, actor=actions.Actor.of_agent(acme.owner))
    assert as_agent.post(url("read", theirs.pk), **JSON).status_code == 404
    mine = acme.start()
    for bad in ["x", "-1", "0", "9" * 30]:
        assert as_agent.post(url("read", mine.pk), {"up_to_id": bad}, **JSON).status_code == 400
    assert as_agent.get(url("read", mine.pk)).status_code == 405
    assert not AgentReadState.objects.filter(agent=acme.agent).exists()


def test_messages_partial_is_the_first_render_template(as_agent, acme):
    conv = acme.start("see https://example.com/a?b=1 <b>bold</b>")
    actions.do_post_message(conv, sender_type="agent", content="Hi", agent=acme.agent)
    first = as_agent.get(url("conversation", conv.pk)).content.decode()
    partial = as_agent.get(url("messages", conv.pk), {"format": "html"}).content.decode()
    for fragment in [
        '<a target="_blank" rel="noopener noreferrer nofollow" href="https://example.com/a?b=1"',
        "&lt;b&gt;bold&lt;/b&gt;",
        "Alice",  # the agent's name on the agent's message
        'class="avatar avatar-sm"',
        "just now",
    ]:
        assert fragment in partial, fragment
        assert fragment in first, fragment
    assert "<b>bold" not in partial
    after = Message.objects.filter(conversation=conv).first().pk
    only_reply = as_agent.get(url("messages", conv.pk), {"format": "html", "after": after})
    assert only_reply.content.decode().count("<li") == 1
    assert as_agent.get(url("messages", 999999), {"format": "html"}).status_code == 404


def test_display_helpers():
    assert initials("Olivia Owner") == "OO"
    assert initials("vera@example.com") == "V"
    assert initials("") == "?"
    assert "<a" not in linkify("javascript:alert(1)")
    assert linkify("<script>") == "&lt;script&gt;"
    now = timezone.now()
    assert relative(now - timedelta(seconds=5), now) == "just now"
    assert relative(now - timedelta(minutes=4), now) == "4 min ago"
    assert relative(now - timedelta(hours=3), now) == "3 h ago"
    assert relative(now - timedelta(hours=30), now) == "yesterday"
    assert relative(None) == ""
