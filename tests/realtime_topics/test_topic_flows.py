"""Topics API flows through the full ASGI app: snapshots, live pushes, authorization."""

import pytest

from conversations import actions
from conversations.actions import Actor
from conversations.models import Agent
from tests.realtime_topics.helpers import Client, error_code, published, pushed, run, token_for

pytestmark = pytest.mark.django_db(transaction=True)


def start(tenant, text="Hello", **kwargs):
    return tenant.start(text, **kwargs)


async def test_requests_topic_sends_latest_open_requests_then_live_creates_and_updates(
    acme, settings
):
    settings.TOPICS_SNAPSHOT_SIZE = 2
    old = await run(start, acme, "oldest")
    done = await run(start, acme, "resolved one")
    await run(actions.do_resolve, done, actor=Actor.of_agent(acme.owner))
    mid = await run(start, acme, "middle")
    new = await run(start, acme, "newest")
    b = acme.business.public_id
    topic = f"/{b}/requests"
    client = await Client.topics(token_for(acme.owner))

    snapshot = published(await client.subscribe(topic), topic, "CREATE")
    assert [r["id"] for r in snapshot] == [str(new.pk), str(mid.pk)]  # most recent first
    assert str(old.pk) not in {r["id"] for r in snapshot}
    first = snapshot[0]
    assert first["_id"] == first["request_id"] == str(new.pk)
    assert first["id_project"] == b and first["status"] == 100
    assert first["pingback_status"] == "open"
    assert first["first_text"] == "newest" and first["channel"] == {"name": "webchat"}
    assert first["requester"] == str(acme.customer.pk) and first["participants"] == []
    assert first["waiting_time"] is None and first["needs_human_handoff"] is False
    for field in ("createdAt", "updatedAt", "assigned_at", "first_response_at", "assignee"):
        assert field in first

    conv = await run(start, acme, "brand new")
    created = published(await client.recv(), topic, "CREATE")
    assert created[0]["id"] == str(conv.pk) and created[0]["status"] == 100
    # The opening message follows as an update carrying the first text.
    assert published(await client.recv(), topic, "UPDATE")[0]["first_text"] == "brand new"

    await run(actions.do_set_pending, conv, actor=Actor.of_agent(acme.owner))
    assert published(await client.recv(), topic, "UPDATE")[0]["pingback_status"] == "pending"

    await run(actions.do_assign, conv, acme.agent, actor=Actor.of_agent(acme.owner))
    assigned = published(await client.recv(), topic, "UPDATE")[0]
    assert assigned["assignee"]["id"] == acme.agent.pk
    assert assigned["participants"] == [str(acme.agent.user_id)] and assigned["assigned_at"]
    assert assigned["status"] == 200

    await run(actions.do_post_message, conv, sender_type="agent", content="On it", agent=acme.agent)
    replied = published(await client.recv(), topic, "UPDATE")[0]
    assert replied["last_text"] == "On it" and replied["first_response_at"]
    assert isinstance(replied["waiting_time"], int) and replied["waiting_time"] >= 0

    await run(actions.do_resolve, conv, actor=Actor.of_agent(acme.owner))
    resolved = published(await client.recv(), topic, "UPDATE")[0]
    assert resolved["status"] == 1000 and resolved["pingback_status"] == "resolved"
    await client.close()


async def test_request_topic_sends_the_request_then_its_updates(acme):
    conv = await run(start, acme, "Where is my order?")
    b = acme.business.public_id
    topic = f"/{b}/requests/{conv.pk}"
    client = await Client.topics(token_for(acme.admin))

    [item] = published(await client.subscribe(topic), topic, "CREATE")
    assert item["id"] == str(conv.pk) and item["first_text"] == "Where is my order?"
    assert item["customer"]["email"] == acme.customer.email

    await run(actions.do_assign, conv, acme.other_agent, actor=Actor.of_agent(acme.admin))
    assert published(await client.recv(), topic, "UPDATE")[0]["assignee"]["id"] == (
        acme.other_agent.pk
    )
    await run(actions.do_request_handoff, conv, reason="angry", actor=Actor.system())
    assert published(await client.recv(), topic, "UPDATE")[0]["needs_human_handoff"] is True
    await run(actions.do_post_message, conv, sender_type="customer", content="Hello?")
    assert published(await client.recv(), topic, "UPDATE")[0]["last_text"] == "Hello?"
    await run(actions.do_close, conv, actor=Actor.of_agent(acme.admin))
    assert published(await client.recv(), topic, "UPDATE")[0]["status"] == 1000
    await client.close()


async def test_messages_topic_sends_the_most_recent_messages_then_new_ones(acme, settings):
    settings.TOPICS_SNAPSHOT_SIZE = 3
    conv = await run(start, acme, "m1")
    for text in ("m2", "m3", "m4", "m5"):
        await run(actions.do_post_message, conv, sender_type="customer", content=text)
    topic = f"/{acme.business.public_id}/requests/{conv.pk}/messages"
    client = await Client.topics(token_for(acme.agent))

    snapshot = published(await client.subscribe(topic), topic, "CREATE")
    assert [m["text"] for m in snapshot] == ["m3", "m4", "m5"]  # the latest, oldest first
    assert snapshot[0]["request_id"] == str(conv.pk) and snapshot[0]["kind"] == "visitor"
    assert snapshot[0]["senderFullname"] == acme.customer.name

    msg, _ = await run(
        actions.do_post_message, conv, sender_type="agent", content="Hi!", agent=acme.agent
    )
    [item] = published(await client.recv(), topic, "CREATE")
    assert item["id"] == str(msg.pk) and item["text"] == "Hi!"
    assert item["sender"] == str(acme.agent.user_id) and item["kind"] == "operator"
    assert item["senderFullname"] == acme.agent.display_name

    await run(actions.do_mark_read, conv, reader="customer")
    receipt = pushed(await client.recv(), topic, "UPDATE")
    assert receipt["id"] == str(msg.pk) and receipt["read_at"] and receipt["status"] == 300
    assert receipt["text"] == "Hi!" and receipt["sender"] == str(acme.agent.user_id)
    await client.close()


async def test_project_user_topic_sends_the_agent_then_status_changes(acme):
    topic = f"/{acme.business.public_id}/project_users/{acme.agent.pk}"
    client = await Client.topics(token_for(acme.other_agent))

    [member] = published(await client.subscribe(topic), topic, "CREATE")
    assert member["id"] == str(acme.agent.pk) and member["role"] == "agent"
    assert member["status"] == "offline" and member["user_available"] is False

    await run(actions.do_set_agent_status, acme.agent, Agent.Status.ONLINE)
    [update] = published(await client.recv(), topic, "UPDATE")
    assert update["status"] == "online" and update["user_available"] is True
    assert update["presence"]["changedAt"]
    await client.close()


async def test_unsubscribe_stops_the_flow(acme):
    b = acme.business.public_id
    client = await Client.topics(token_for(acme.owner))
    await client.subscribe(f"/{b}/requests")
    presence = f"/{b}/project_users/{acme.owner.pk}"
    await client.subscribe(presence)

    await client.unsubscribe(f"/{b}/requests")
    # Frames are handled in order: once the heartbeat's pong is back, so is the unsubscribe.
    await client.send({"action": "heartbeat", "payload": {"message": {"text": "ping"}}})
    assert (await client.recv())["payload"]["message"]["text"] == "pong"
    await run(start, acme, "nobody listens")
    await run(actions.do_set_agent_status, acme.owner, Agent.Status.AWAY)
    # The next frame is the presence update: nothing about the new request came first.
    assert published(await client.recv(), presence, "UPDATE")[0]["status"] == "away"
    await client.close()


async def test_agent_sees_unassigned_and_own_requests_only(acme):
    mine = await run(start, acme, "mine", assignee=acme.agent)
    open_one = await run(start, acme, "unassigned")
    theirs = await run(start, acme, "theirs", assignee=acme.other_agent)
    b = acme.business.public_id
    client = await Client.topics(token_for(acme.agent))

    snapshot = published(await client.subscribe(f"/{b}/requests"), f"/{b}/requests", "CREATE")
    assert {r["id"] for r in snapshot} == {str(mine.pk), str(open_one.pk)}
    for topic in (f"/{b}/requests/{theirs.pk}", f"/{b}/requests/{theirs.pk}/messages"):
        frame = await client.subscribe(topic)
        assert error_code(frame) == "TOPIC_NOT_FOUND" and frame["payload"]["topic"] == topic

    presence = f"/{b}/project_users/{acme.agent.pk}"
    await client.subscribe(presence)
    await run(actions.do_post_message, theirs, sender_type="customer", content="secret")
    await run(actions.do_set_agent_status, acme.agent, Agent.Status.ONLINE)
    assert published(await client.recv(), presence, "UPDATE")[0]["status"] == "online"
    await client.close()


async def test_agent_who_loses_an_assignment_stops_receiving_pushes(acme):
    conv = await run(start, acme, "help me", assignee=acme.agent)
    b = acme.business.public_id
    detail = f"/{b}/requests/{conv.pk}"
    client = await Client.topics(token_for(acme.agent))
    await client.subscribe(f"/{b}/requests")
    await client.subscribe(detail)
    presence = f"/{b}/project_users/{acme.agent.pk}"
    await client.subscribe(presence)

    await run(actions.do_assign, conv, acme.other_agent, actor=Actor.of_agent(acme.owner))
    # The agent learns the request is gone (the new assignee), on both topics ...
    gone = published(await client.recv(), f"/{b}/requests", "UPDATE")[0]
    assert gone["assignee"]["id"] == acme.other_agent.pk
    assert published(await client.recv(), detail, "UPDATE")[0]["id"] == str(conv.pk)
    # ... and nothing after it.
    await run(actions.do_post_message, conv, sender_type="customer", content="still there?")
    await run(actions.do_set_pending, conv, actor=Actor.of_agent(acme.other_agent))
    await run(actions.do_set_agent_status, acme.agent, Agent.Status.AWAY)
    assert published(await client.recv(), presence, "UPDATE")[0]["status"] == "away"

    # Subscribing again is refused like an unknown topic.
    assert error_code(await client.subscribe(detail)) == "TOPIC_NOT_FOUND"
    await client.close()


async def test_role_is_read_again_on_subscribe(acme):
    theirs = await run(start, acme, "theirs", assignee=acme.other_agent)
    topic = f"/{acme.business.public_id}/requests/{theirs.pk}"
    client = await Client.topics(token_for(acme.agent))
    assert error_code(await client.subscribe(topic)) == "TOPIC_NOT_FOUND"
    await run(actions.add_agent, acme.business, acme.agent.user, Agent.Role.ADMIN)
    [item] = published(await client.subscribe(topic), topic, "CREATE")
    assert item["id"] == str(theirs.pk)
    await client.close()


async def test_other_business_topics_are_refused_like_unknown_ones(acme, globex):
    foreign = await run(start, globex, "globex secret")
    a, g = acme.business.public_id, globex.business.public_id
    client = await Client.topics(token_for(acme.owner))
    for topic in (
        f"/{g}/requests",
        f"/{g}/requests/{foreign.pk}",
        f"/{g}/requests/{foreign.pk}/messages",
        f"/{g}/project_users/{globex.agent.pk}",
        f"/{a}/requests/{foreign.pk}",
        f"/{a}/requests/{foreign.pk}/messages",
        f"/{a}/project_users/{globex.agent.pk}",
        "/0123456789abcdef0123456789abcdef/requests",
    ):
        frame = await client.subscribe(topic)
        assert error_code(frame) == "TOPIC_NOT_FOUND", topic
        assert frame["payload"]["message"] == "No such topic, or you may not subscribe to it."

    presence = f"/{a}/project_users/{acme.owner.pk}"
    await client.subscribe(f"/{a}/requests")
    await client.subscribe(presence)
    await run(start, globex, "another globex request")
    await run(actions.do_set_agent_status, globex.owner, Agent.Status.ONLINE)
    await run(actions.do_set_agent_status, acme.owner, Agent.Status.ONLINE)
    assert published(await client.recv(), presence, "UPDATE")[0]["id"] == str(acme.owner.pk)
    await client.close()


async def test_bad_frames_get_error_frames_and_the_connection_stays_open(acme):
    b = acme.business.public_id
    client = await Client.topics(token_for(acme.agent))
    cases = [
        ("not json", "INVALID_JSON"),
        ("[1, 2]", "INVALID_FRAME"),
        ({"action": "dance", "payload": {"topic": f"/{b}/requests"}}, "UNKNOWN_ACTION"),
        ({"payload": {}}, "UNKNOWN_ACTION"),
        ({"action": "subscribe", "payload": {}}, "INVALID_TOPIC"),
        ({"action": "subscribe", "payload": {"topic": 42}}, "INVALID_TOPIC"),
        ({"action": "subscribe", "payload": {"topic": f"/{b}/tickets"}}, "INVALID_TOPIC"),
        ({"action": "subscribe", "payload": {"topic": f"/{b}/requests/abc"}}, "INVALID_TOPIC"),
        ({"action": "subscribe", "payload": {"topic": "requests"}}, "INVALID_TOPIC"),
        (
            {"action": "publish", "payload": {"topic": f"/{b}/requests", "message": [{}]}},
            "PUBLISH_FORBIDDEN",
        ),
        ({"action": "broadcast", "payload": {"topic": f"/{b}/requests"}}, "PUBLISH_FORBIDDEN"),
    ]
    for frame, code in cases:
        await client.send(frame)
        reply = await client.recv()
        assert error_code(reply) == code, frame
        assert reply["payload"]["message"]
    await client.send({"action": "heartbeat", "payload": {"message": {"text": "ping"}}})
    assert await client.recv() == {
        "action": "heartbeat",
        "payload": {"message": {"text": "pong"}},
    }
    topic = f"/{b}/requests"
    assert published(await client.subscribe(topic), topic, "CREATE") == []
    await client.close()


async def test_a_rated_request_keeps_its_rating_on_later_updates_and_snapshots(acme):
    """Tiledesk replaces a request whole on UPDATE: every push after the rating carries it."""
    from csat.actions import do_rate_conversation

    acme.business.csat_enabled = True
    await run(acme.business.save, update_fields=["csat_enabled"])
    conv = await run(start, acme, "Thanks!")
    b = acme.business.public_id
    topic = f"/{b}/requests/{conv.pk}"
    await run(actions.do_resolve, conv, actor=Actor.of_agent(acme.admin))
    client = await Client.topics(token_for(acme.admin))
    [item] = published(await client.subscribe(topic), topic, "CREATE")
    assert "rating" not in item

    customer = Actor.of_customer(acme.customer)
    await run(do_rate_conversation, conv, score=5, comment="Great", actor=customer)
    rated = pushed(await client.recv(), topic, "UPDATE")
    assert (rated["rating"], rated["rating_message"]) == (5, "Great")
    await run(actions.do_reopen, conv, actor=Actor.of_agent(acme.admin))
    later = pushed(await client.recv(), topic, "UPDATE")
    assert later["pingback_status"] == "open"
    assert (later["rating"], later["rating_message"]) == (5, "Great")
    await client.close()

    again = await Client.topics(token_for(acme.admin))
    [snapshot] = published(await again.subscribe(topic), topic, "CREATE")
    assert (snapshot["rating"], snapshot["rating_message"]) == (5, "Great")
    requests = f"/{b}/requests"
    listed = published(await again.subscribe(requests), requests, "CREATE")
    assert [(r["id"], r["rating"]) for r in listed] == [(str(conv.pk), 5)]
    await again.close()


async def test_labels_are_the_request_tags_on_every_push_and_snapshot(acme):
    """Tiledesk's request ``tags`` (``{_id, tag, color}``): a label change pushes the request
    again, later pushes (a message) keep the tags, a rename shows on the next push, and both
    snapshots list them."""
    from teamtools.actions.labels import create_label, do_set_labels, update_label

    conv = await run(start, acme, "Where is my refund?")
    b = acme.business.public_id
    topic = f"/{b}/requests/{conv.pk}"
    vip = await run(create_label, acme.business, name="VIP", color="#AA0000")
    refund = await run(create_label, acme.business, name="refund", color="#00aa00")
    agent = Actor.of_agent(acme.admin)
    client = await Client.topics(token_for(acme.admin))
    [item] = published(await client.subscribe(topic), topic, "CREATE")
    assert item["tags"] == []

    await run(do_set_labels, conv, add=[vip, refund], actor=agent)
    labelled = pushed(await client.recv(), topic, "UPDATE")
    assert labelled["tags"] == [
        {"_id": str(refund.pk), "tag": "refund", "color": "#00aa00"},
        {"_id": str(vip.pk), "tag": "VIP", "color": "#aa0000"},
    ]
    await run(actions.do_post_message, conv, sender_type="customer", content="Hello?")
    after_message = pushed(await client.recv(), topic, "UPDATE")
    assert [t["tag"] for t in after_message["tags"]] == ["refund", "VIP"]

    await run(update_label, vip, name="Gold")
    await run(do_set_labels, conv, remove=[refund], actor=agent)
    renamed = pushed(await client.recv(), topic, "UPDATE")
    assert renamed["tags"] == [{"_id": str(vip.pk), "tag": "Gold", "color": "#aa0000"}]
    await client.close()

    again = await Client.topics(token_for(acme.admin))
    [snapshot] = published(await again.subscribe(topic), topic, "CREATE")
    assert [t["tag"] for t in snapshot["tags"]] == ["Gold"]
    requests = f"/{b}/requests"
    listed = published(await again.subscribe(requests), requests, "CREATE")
    assert [(r["id"], [t["tag"] for t in r["tags"]]) for r in listed] == [(str(conv.pk), ["Gold"])]

    await run(do_set_labels, conv, remove=[vip], actor=agent)
    await run(conv.refresh_from_db)
    assert conv.has_labels is False  # no label query on its messages any more
    await again.close()
