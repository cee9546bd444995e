"""The assistant's decisions, driven by calling the task function directly."""

import pytest
from django.test import override_settings

from ai import actions as ai_actions
from ai import flow, subscribers
from ai.models import AISettings
from ai.providers import AIAnswer, ProviderError
from conversations import actions
from conversations.actions import Actor
from conversations.models import Conversation, Message
from pingback.bridge import bridge

PASSWORD_ANSWER = "Click 'Forgot password'"


def last_customer_message(conv) -> Message:
    return conv.messages.filter(sender_type="customer").latest("id")


def say(conv, text) -> Message:
    msg, _ = actions.do_post_message(conv, sender_type="customer", content=text)
    return msg


def ai_messages(conv):
    return list(conv.messages.filter(sender_type="system", is_ai=True))


def notices(conv):
    return list(conv.messages.filter(sender_type="system", is_ai=False))


@pytest.fixture(autouse=True)
def no_background_tasks(monkeypatch):
    """These tests run the task function themselves: nothing else runs in the background."""
    monkeypatch.setattr(subscribers, "enqueue", lambda task, *args: None)


class Failing:
    name = "failing"

    def reply(self, business, conversation, history):
        raise ProviderError("boom")


class Forbidden:
    name = "forbidden"

    def reply(self, business, conversation, history):
        raise AssertionError("the provider must not be asked")


def test_knowledge_base_answers_a_matching_question(kb, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        conv = kb.start("Hi, how can I reset my password?")
    assert conv.ai_enabled
    outcome = flow.reply_to_message(last_customer_message(conv).pk)
    assert outcome.action == "replied"
    assert outcome.confidence == 1.0
    (reply,) = ai_messages(conv)
    assert reply.content.startswith(PASSWORD_ANSWER)
    assert reply.kind == "ai"
    conv.refresh_from_db()
    assert conv.ai_reply_count == 1
    assert not conv.needs_human_handoff
    assert notices(conv) == []


def test_ai_reply_and_typing_flow_through_the_pipeline(
    kb, captured_events, django_capture_on_commit_callbacks
):
    conv = kb.start("What plans do you have and what do they cost?")
    captured_events.clear()
    with django_capture_on_commit_callbacks(execute=True):
        flow.reply_to_message(last_customer_message(conv).pk)
    types = [e.type for e in captured_events]
    assert types == ["assistant.typing", "message.created"]
    typing, created = captured_events
    assert typing.data == {
        "conversation_id": conv.pk,
        "user_id": "ai",
        "sender_type": "system",
        "is_typing": True,
        "is_ai": True,
        "actor": {"type": "ai", "id": None, "name": "PingBack AI"},
    }
    assert typing.audience.allows_customer(kb.customer.pk, kb.business.pk)
    assert created.data["message"]["is_ai"] is True
    assert created.data["message"]["kind"] == "ai"
    assert "Pro is $29/month" in created.data["message"]["content"]


def test_unknown_question_hands_off_with_one_notice(
    kb, captured_events, django_capture_on_commit_callbacks
):
    conv = kb.start("Why is my parrot singing opera at midnight?")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = flow.reply_to_message(last_customer_message(conv).pk)
    assert outcome.action == "handoff"
    assert outcome.reason == flow.REASON_LOW_CONFIDENCE
    conv.refresh_from_db()
    assert conv.needs_human_handoff
    assert conv.handoff_reason == flow.REASON_LOW_CONFIDENCE
    assert ai_messages(conv) == []
    (notice,) = notices(conv)
    assert notice.content.startswith("I'm connecting you with a member of our team")
    assert "conversation.handoff_requested" in [e.type for e in captured_events]
    # A pending handoff shows up in the staff's Pending Handoffs list.
    assert Conversation.objects.filter(business=kb.business, needs_human_handoff=True).count() == 1


@pytest.mark.parametrize(
    "text",
    [
        "Can I talk to a human please?",
        "I want to speak to someone",
        "Get me a real person",
        "REPRESENTATIVE!!!",
        "Let me talk to someone about my password",
    ],
)
def test_asking_for_a_person_hands_off_without_asking_the_provider(kb, text):
    conv = kb.start(text)
    outcome = flow.reply_to_message(last_customer_message(conv).pk, provider=Forbidden())
    assert outcome.action == "handoff"
    conv.refresh_from_db()
    assert conv.needs_human_handoff
    assert conv.handoff_reason == flow.REASON_ASKED
    assert len(notices(conv)) == 1


def test_handoff_keywords_are_configurable_per_business(kb):
    AISettings.objects.create(
        business=kb.business, handoff_keywords="manager, boss", confidence_threshold=0.2
    )
    conv = kb.start("I need your manager")
    assert flow.reply_to_message(last_customer_message(conv).pk).reason == flow.REASON_ASKED
    other = kb.start(
        "I'd like a human about my password",
        customer=actions.create_customer(kb.business, name="B"),
    )
    # "human" is no longer a handoff word for this business: the KB answers.
    outcome = flow.reply_to_message(last_customer_message(other).pk)
    assert outcome.action == "replied", outcome


def test_after_a_handoff_the_ai_stays_silent_until_an_agent_gives_it_back(kb):
    """Issue 14 item 8: after the handoff notice, "Hello?? anyone there?" gets no "I'm the
    virtual assistant…"; clearing the handoff gives the conversation back to the AI."""
    conv = kb.start("I want to talk to a human")
    flow.reply_to_message(last_customer_message(conv).pk)
    for text in ("Hello?? anyone there?", "how do I reset my password?", "A human, please!"):
        silent = flow.reply_to_message(say(conv, text).pk, provider=Forbidden())
        assert silent.action == "skipped", text
    conv.refresh_from_db()
    assert conv.needs_human_handoff
    assert len(notices(conv)) == 1 and ai_messages(conv) == []
    actions.do_clear_handoff(conv, actor=Actor.of_agent(kb.owner))
    answered = flow.reply_to_message(say(conv, "How do I reset my password?").pk)
    assert answered.action == "replied"


def test_resolving_clears_the_handoff(kb):
    conv = kb.start("I want to talk to a human")
    flow.reply_to_message(last_customer_message(conv).pk)
    conv.refresh_from_db()
    assert conv.needs_human_handoff
    conv = actions.do_resolve(conv, actor=Actor.of_agent(kb.owner))
    assert conv.needs_human_handoff is False


def test_no_ai_reply_after_an_agent_replied(kb):
    conv = kb.start("How do I reset my password?")
    actions.do_post_message(conv, sender_type="agent", content="On it!", agent=kb.agent)
    msg = say(conv, "Thanks, also what are your opening hours?")
    assert flow.reply_to_message(msg.pk, provider=Forbidden()).action == "skipped"
    assert ai_messages(conv) == [] and notices(conv) == []


def test_no_ai_reply_once_an_agent_is_assigned(kb):
    conv = kb.start("How do I reset my password?")
    actions.do_assign(conv, kb.agent, actor=Actor.of_agent(kb.owner))
    assert (
        flow.reply_to_message(last_customer_message(conv).pk, provider=Forbidden()).action
        == "skipped"
    )
    assert ai_messages(conv) == []


def test_agent_taking_over_while_the_provider_thinks_wins(kb):
    conv = kb.start("How do I reset my password?")

    class SlowThinker:
        name = "slow"

        def reply(self, business, conversation, history):
            # An agent is assigned while the provider is still working.
            actions.do_assign(conversation, kb.agent, actor=Actor.of_agent(kb.owner))
            return AIAnswer("Too late", confidence=1.0)

    outcome = flow.reply_to_message(last_customer_message(conv).pk, provider=SlowThinker())
    assert outcome.action == "skipped"
    assert ai_messages(conv) == []


def test_agent_taking_over_during_a_failing_provider_call_gets_no_notice(kb):
    conv = kb.start("How do I reset my password?")

    class AssignThenFail:
        name = "assign-then-fail"

        def reply(self, business, conversation, history):
            actions.do_post_message(
                conversation, sender_type="agent", content="Hi!", agent=kb.agent
            )
            raise ProviderError("down")

    flow.reply_to_message(last_customer_message(conv).pk, provider=AssignThenFail())
    conv.refresh_from_db()
    assert not conv.needs_human_handoff
    assert notices(conv) == []


def test_toggling_ai_off_stops_replies(kb):
    conv = kb.start("How do I reset my password?")
    actions.do_set_ai_enabled(conv, False, actor=Actor.of_agent(kb.owner))
    assert (
        flow.reply_to_message(last_customer_message(conv).pk, provider=Forbidden()).action
        == "skipped"
    )
    actions.do_set_ai_enabled(conv, True, actor=Actor.of_agent(kb.owner))
    assert flow.reply_to_message(last_customer_message(conv).pk).action == "replied"


def test_business_without_auto_reply_starts_conversations_without_ai(kb, globex):
    conv = globex.start("Where is the volcano lair?")
    assert not conv.ai_enabled
    assert (
        flow.reply_to_message(last_customer_message(conv).pk, provider=Forbidden()).action
        == "skipped"
    )


@override_settings(AI_MAX_REPLIES=2)
def test_hands_off_after_the_maximum_number_of_ai_replies(kb):
    conv = kb.start("How do I reset my password?")
    assert flow.reply_to_message(last_customer_message(conv).pk).action == "replied"
    assert flow.reply_to_message(say(conv, "What are your opening hours?").pk).action == "replied"
    outcome = flow.reply_to_message(say(conv, "Do you have an API?").pk, provider=Forbidden())
    assert outcome.action == "handoff" and outcome.reason == flow.REASON_LIMIT
    conv.refresh_from_db()
    assert conv.ai_reply_count == 2
    assert conv.needs_human_handoff and conv.handoff_reason == flow.REASON_LIMIT
    # And it stays quiet afterwards.
    assert flow.reply_to_message(say(conv, "Hello?").pk, provider=Forbidden()).action == "skipped"
    assert len(ai_messages(conv)) == 2 and len(notices(conv)) == 1


def test_per_business_threshold_overrides_the_default(kb):
    AISettings.objects.create(business=kb.business, confidence_threshold=0.99)
    # Half of this question is about something the knowledge base never mentions.
    conv = kb.start("Can I get a refund for my broken toaster?")
    outcome = flow.reply_to_message(last_customer_message(conv).pk)
    assert outcome.action == "handoff"
    assert 0 < outcome.confidence < 0.99


def test_a_retried_task_does_not_post_twice(kb):
    conv = kb.start("How do I reset my password?")
    msg = last_customer_message(conv)
    assert flow.reply_to_message(msg.pk).action == "replied"
    assert flow.reply_to_message(msg.pk).action == "skipped"
    # Even a retry racing past the first check posts nothing new.
    assert ai_actions.do_post_ai_reply(conv, msg, "again") is None
    assert len(ai_messages(conv)) == 1
    conv.refresh_from_db()
    assert conv.ai_reply_count == 1


def test_only_the_newest_of_several_quick_messages_is_answered(kb):
    conv = kb.start("Hello")
    first = last_customer_message(conv)
    second = say(conv, "How do I reset my password?")
    assert flow.reply_to_message(first.pk, provider=Forbidden()).action == "skipped"
    assert flow.reply_to_message(second.pk).action == "replied"


def test_greeting_gets_a_friendly_answer_not_a_handoff(kb):
    conv = kb.start("Hi there!")
    outcome = flow.reply_to_message(last_customer_message(conv).pk)
    assert outcome.action == "replied"
    conv.refresh_from_db()
    assert not conv.needs_human_handoff


def test_provider_failure_keeps_the_message_and_hands_off(kb):
    conv = kb.start("How do I reset my password?")
    msg = last_customer_message(conv)
    outcome = flow.reply_to_message(msg.pk, provider=Failing())
    assert outcome.action == "handoff" and outcome.reason == flow.REASON_PROVIDER
    assert Message.objects.filter(pk=msg.pk, content="How do I reset my password?").exists()
    conv.refresh_from_db()
    assert conv.needs_human_handoff
    assert len(notices(conv)) == 1


def test_a_crashing_provider_also_hands_off(kb):
    class Broken:
        name = "broken"

        def reply(self, business, conversation, history):
            raise KeyError("bug")

    conv = kb.start("How do I reset my password?")
    outcome = flow.reply_to_message(last_customer_message(conv).pk, provider=Broken())
    assert outcome.action == "handoff" and outcome.reason == flow.REASON_PROVIDER


def test_ai_messages_and_notices_never_trigger_the_assistant(kb):
    conv = kb.start("How do I reset my password?")
    flow.reply_to_message(last_customer_message(conv).pk)
    reply = ai_messages(conv)[0]
    assert flow.reply_to_message(reply.pk, provider=Forbidden()).action == "skipped"


def test_subscriber_enqueues_only_candidate_messages(
    kb, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(
        subscribers, "enqueue", lambda task, *args: queued.append((task.name, args))
    )
    with django_capture_on_commit_callbacks(execute=True):
        conv = kb.start("How do I reset my password?")
    bridge.wait_idle()  # the subscriber runs off the committing thread
    first = last_customer_message(conv)
    assert queued == [("ai.reply_to_message", (first.pk,))]
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_post_message(conv, sender_type="agent", content="Hello!", agent=kb.agent)
        say(conv, "Thanks")
    bridge.wait_idle()  # the subscriber runs off the committing thread
    assert len(queued) == 1  # an agent replied: the AI is out
    with django_capture_on_commit_callbacks(execute=True):
        other = kb.start("Hi", customer=actions.create_customer(kb.business, name="C"))
        actions.do_set_ai_enabled(other, False, actor=Actor.of_agent(kb.owner))
        say(other, "Anyone?")
    bridge.wait_idle()  # the subscriber runs off the committing thread
    assert len(queued) == 2  # the opening message only


def test_demo_business_answers_from_its_knowledge_base(db):
    from conversations.demo import ensure_demo

    result = ensure_demo()
    business = result.business
    business.refresh_from_db()
    assert business.ai_auto_reply_enabled
    assert business.knowledge_articles.count() == 5
    # The demo's week of history holds conversations the assistant handled (the reports count
    # them); seeding again switches the assistant on in no other conversation.
    handled = set(
        Conversation.objects.filter(business=business, ai_enabled=True).values_list("pk", flat=True)
    )
    ensure_demo()
    assert business.knowledge_articles.count() == 5
    assert handled == set(
        Conversation.objects.filter(business=business, ai_enabled=True).values_list("pk", flat=True)
    )
    visitor = actions.create_customer(business, name="Visitor")
    _, msg = actions.do_start_conversation(
        business,
        visitor,
        actor=Actor.of_customer(visitor),
        opening_message="How do I reset my password?",
    )
    assert flow.reply_to_message(msg.pk).action == "replied"
    human = actions.create_customer(business, name="Human seeker")
    _conv, msg = actions.do_start_conversation(
        business, human, actor=Actor.of_customer(human), opening_message="Can I talk to a person?"
    )
    assert flow.reply_to_message(msg.pk).action == "handoff"
