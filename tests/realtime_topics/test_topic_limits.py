"""Topics API refusals at connect, limits and the server heartbeat."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from rest_framework_simplejwt.tokens import AccessToken

from realtime import limits
from tests.realtime_topics.helpers import (
    Client,
    error_code,
    published,
    refused_at_upgrade,
    run,
    token_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


async def refused(token) -> bool:
    await refused_at_upgrade("/api/" + (f"?token={token}" if token is not None else ""))
    return True


async def limited(token) -> tuple[str, int]:
    """A valid agent over a limit: accepted, told why, closed."""
    client = await Client.topics(token)
    frame = await client.recv()
    return error_code(frame), await client.closed_with()


async def test_connections_without_a_valid_agent_token_are_refused_at_the_upgrade(acme):
    expired = AccessToken.for_user(acme.agent.user)
    expired.set_exp(lifetime=-timedelta(seconds=1))
    outsider = await run(
        get_user_model().objects.create_user, username="eve", email="eve@x.test", password="x"
    )
    for token in (None, "", "not-a-jwt", str(expired), token_for(outsider)):
        assert await refused(token)


async def test_jwt_prefixed_token_is_accepted(acme):
    client = await Client.topics("JWT%20" + token_for(acme.agent))
    topic = f"/{acme.business.public_id}/requests"
    assert published(await client.subscribe(topic), topic, "CREATE") == []
    await client.close()


async def test_concurrent_connections_per_user_are_limited_and_released_on_close(acme, settings):
    settings.TOPICS_MAX_CONNECTIONS_PER_USER = 2
    token = token_for(acme.agent)
    first = await Client.topics(token)
    second = await Client.topics(token)
    assert await limited(token) == ("TOO_MANY_CONNECTIONS", 4008)
    other_user = await Client.topics(token_for(acme.owner))  # limits are per user
    await first.close()
    assert await run(limits.active_connections, acme.agent.user.pk) == 1
    third = await Client.topics(token)
    topic = f"/{acme.business.public_id}/requests"
    assert published(await third.subscribe(topic), topic, "CREATE") == []
    for client in (second, third, other_user):
        await client.close()
    assert await run(limits.active_connections, acme.agent.user.pk) == 0


async def test_new_connections_per_minute_are_limited(acme, settings):
    settings.TOPICS_CONNECTIONS_PER_MINUTE = 2
    token = token_for(acme.agent)
    for _ in range(2):
        client = await Client.topics(token)
        await client.close()
    assert await limited(token) == ("RATE_LIMITED", 4008)


async def test_subscriptions_per_connection_are_limited(acme, globex, settings):
    settings.TOPICS_MAX_SUBSCRIPTIONS = 2
    b = acme.business.public_id
    client = await Client.topics(token_for(acme.owner))
    await client.subscribe(f"/{b}/requests")
    await client.subscribe(f"/{b}/project_users/{acme.owner.pk}")
    frame = await client.subscribe(f"/{b}/project_users/{acme.agent.pk}")
    assert error_code(frame) == "TOO_MANY_SUBSCRIPTIONS"
    # Subscribing again to a topic it has re-sends the snapshot; unsubscribing frees a slot.
    published(await client.subscribe(f"/{b}/requests"), f"/{b}/requests", "CREATE")
    await client.unsubscribe(f"/{b}/requests")
    topic = f"/{b}/project_users/{acme.agent.pk}"
    assert published(await client.subscribe(topic), topic, "CREATE")[0]["role"] == "agent"
    await client.close()


async def test_heartbeat_ping_gets_pong(acme):
    client = await Client.topics(token_for(acme.agent))
    await client.send({"action": "heartbeat", "payload": {"message": {"text": "ping"}}})
    assert await client.recv() == {
        "action": "heartbeat",
        "payload": {"message": {"text": "pong"}},
    }
    await client.close()


async def test_server_pings_and_closes_a_silent_connection(acme, settings):
    settings.TOPICS_HEARTBEAT_INTERVAL = 0.1
    settings.TOPICS_IDLE_TIMEOUT = 0.35
    client = await Client.topics(token_for(acme.agent))
    frame = await client.recv()
    assert frame == {"action": "heartbeat", "payload": {"message": {"text": "ping"}}}
    while frame["action"] == "heartbeat":
        frame = await client.recv()
    assert error_code(frame) == "IDLE_TIMEOUT"
    assert await client.closed_with() == 4010
    await client.close()  # the server's disconnect after its close frame
    assert await run(limits.active_connections, acme.agent.user.pk) == 0
