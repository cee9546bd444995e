"""A deactivated user loses realtime access at once, like a removed member (issue: the topics
socket kept receiving customers' messages and could subscribe anew; the agent socket kept
receiving new conversations). Deactivation goes through ``set_user_active`` (admin included),
which makes every open connection of the user re-check, in every process."""

import pytest
from django.contrib.auth import get_user_model

from conversations import actions
from tests.live import AsgiServer
from tests.realtime_sio.conftest import Peer, customer_data, jwt_for, orm
from tests.realtime_topics.helpers import TIMEOUT, Client, published, run, token_for
from tests.services import REDIS_URL, require_redis

pytestmark = pytest.mark.django_db(transaction=True)


async def test_topics_connection_of_a_deactivated_user_is_closed_at_once(acme):
    b = acme.business.public_id
    conv = await run(acme.start, "hello")
    client = await Client.topics(token_for(acme.admin))
    topic = f"/{b}/requests/{conv.pk}/messages"
    published(await client.subscribe(topic), topic, "CREATE")
    await run(actions.set_user_active, acme.admin.user, False)
    frame = await client.recv()
    assert frame["action"] == "error" and frame["payload"]["code"] == "NOT_AN_AGENT", frame
    assert await client.closed_with() == 4003
    await client.close()


async def test_a_deactivated_user_cannot_subscribe_with_a_still_valid_token(acme):
    token = token_for(acme.admin)  # issued while active, not yet expired
    await run(actions.set_user_active, acme.admin.user, False)
    # Refused at the HTTP upgrade, like every token that names no active agent: no socket opens.
    client = Client(f"/api/?token={token}")
    connected, _ = await client.ws.connect(timeout=TIMEOUT)
    assert not connected


def test_deactivating_in_the_admin_goes_through_the_action(acme, client, captured_events):
    User = get_user_model()
    root = User.objects.create_superuser("root@x.test", "root@x.test", "pw-long-enough-123")
    client.force_login(root)
    user = acme.agent.user
    form = {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "initial-date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "initial-date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }  # is_active left out: unchecked
    response = client.post(f"/admin/auth/user/{user.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert not user.is_active
    changed = [e for e in captured_events if e.type == "agent.membership_changed"]
    assert [e.data["agent_id"] for e in changed] == [acme.agent.pk]
    assert changed[0].data["role"] is None


@pytest.mark.services
async def test_agent_socket_of_a_deactivated_user_is_refused_across_processes(acme, settings):
    """The deactivation is committed here, in another process than the socket's server."""
    require_redis()
    settings.REDIS_URL = REDIS_URL
    b = acme.business.public_id
    with AsgiServer(REDIS_URL=REDIS_URL) as server:
        agent = await Peer(server.url).connect({"business_id": b, "token": jwt_for(acme.agent)})
        widget = await Peer(server.url).connect({"business_id": b})
        try:
            await orm(actions.set_user_active)(acme.agent.user, False)
            told = await agent.next("error")
            assert told["code"] == "AGENT_REMOVED"
            sent = await widget.call(
                "client_message", {"content": "new chat", "customer_data": customer_data()}
            )
            assert sent["ok"], sent
            assert agent.pending("new_conversation") == []
        finally:
            await agent.close()
            await widget.close()
