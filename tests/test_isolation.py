"""Tenant isolation of every query helper: two businesses, nothing crosses."""

import pytest

from conversations import access, actions, errors
from conversations.actions import Actor


@pytest.fixture
def both(acme, globex):
    a_conv, b_conv = acme.start("acme"), globex.start("globex")
    return acme, globex, a_conv, b_conv


def test_conversation_lists_hold_only_their_business(both):
    acme, globex, a_conv, b_conv = both
    assert list(access.conversations_of(acme.business)) == [a_conv]
    assert list(access.visible_conversations(None, globex.business)) == [b_conv]
    assert list(access.visible_conversations(acme.owner, acme.business)) == [a_conv]


@pytest.mark.parametrize(
    "helper,error",
    [
        (
            lambda t, o: access.access_conversation(t.business, o["conversation"].pk),
            errors.ConversationNotFound,
        ),
        (
            lambda t, o: access.access_customer(t.business, o["customer"].pk),
            errors.CustomerNotFound,
        ),
        (lambda t, o: access.access_agent(t.business, o["agent"].pk), errors.AgentNotFound),
    ],
)
def test_foreign_ids_are_not_found(both, helper, error):
    acme, globex, _, b_conv = both
    foreign = {
        "conversation": b_conv,
        "customer": globex.customer,
        "agent": globex.agent,
    }
    with pytest.raises(error):
        helper(acme, foreign)


@pytest.mark.parametrize("bad", [None, "", "abc", -1, 0, 2**70, True, 1.5, "1; drop"])
def test_malformed_ids_are_not_found(acme, bad):
    with pytest.raises(errors.NotFound):
        access.access_conversation(acme.business, bad)


def test_agents_see_assigned_and_unassigned_managers_see_all(acme):
    mine, theirs, nobody = acme.start(), acme.start(), acme.start()
    owner = Actor.of_agent(acme.owner)
    actions.do_assign(mine, acme.agent, actor=owner)
    actions.do_assign(theirs, acme.other_agent, actor=owner)
    seen = set(access.visible_conversations(acme.agent, acme.business))
    assert seen == {mine, nobody}
    assert set(access.visible_conversations(acme.admin, acme.business)) == {mine, theirs, nobody}
    with pytest.raises(errors.ConversationNotFound):
        access.access_conversation(acme.business, theirs.pk, agent=acme.agent)


def test_api_keys_authenticate_only_when_active(acme, globex):
    assert access.authenticate_api_key(acme.raw_api_key).business == acme.business
    assert access.authenticate_api_key(globex.raw_api_key).business == globex.business
    assert access.authenticate_api_key("pbk_wrong") is None
    assert access.authenticate_api_key(acme.raw_api_key[:-1]) is None
    actions.revoke_api_key(acme.api_key)
    assert access.authenticate_api_key(acme.raw_api_key) is None


def test_api_keys_are_stored_hashed_with_a_short_prefix(acme):
    acme.api_key.refresh_from_db()
    assert acme.raw_api_key not in (acme.api_key.key_hash, acme.api_key.prefix)
    assert acme.raw_api_key.startswith(acme.api_key.prefix)
    assert len(acme.api_key.prefix) == 12


def test_business_lookup_by_public_id(acme):
    assert access.business_by_public_id(acme.business.public_id) == acme.business
    for bad in ["", None, "nope", 42]:
        with pytest.raises(errors.BusinessNotFound):
            access.business_by_public_id(bad)


def test_resume_reads_only_the_conversation_after_the_cursor(acme):
    conv = acme.start("one")
    ids = [
        actions.do_post_message(conv, sender_type="agent", content=str(i), agent=acme.agent)[0].pk
        for i in range(3)
    ]
    assert [m.pk for m in access.messages_after(conv, ids[0])] == ids[1:]
