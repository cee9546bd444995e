"""Allowed websites (Settings → Widget) at the Socket.IO connect: a real client sending a
foreign Origin is refused with ORIGIN_NOT_ALLOWED; an allowed one, PingBack's own pages and
agents (JWT) connect."""

import pytest
import socketio
from asgiref.sync import sync_to_async

from business_settings import actions as settings_actions
from tests.realtime_sio.conftest import TIMEOUT, jwt_for

pytestmark = pytest.mark.django_db(transaction=True)


async def connect(peers, auth, origin):
    peer = peers.new()
    headers = {"Origin": origin} if origin else {}
    try:
        await peer.client.connect(
            peer.url, auth=auth, transports=["websocket"], headers=headers, wait_timeout=TIMEOUT
        )
    except socketio.exceptions.ConnectionError:
        return peer.connect_error
    return peer


async def test_foreign_origin_is_refused_and_allowed_ones_connect(peers, acme, globex):
    await sync_to_async(settings_actions.update_widget_settings)(
        acme.business, allowed_domains=["shop.example", "*.acme.example"]
    )
    auth = {"business_id": acme.business.public_id}
    error = await connect(peers, auth, "https://evil.example")
    assert error["data"] == {"code": "ORIGIN_NOT_ALLOWED"}
    assert "evil.example" in error["message"]
    error = await connect(peers, auth, "https://shop.example.evil.example")
    assert error["data"] == {"code": "ORIGIN_NOT_ALLOWED"}
    for allowed in ["https://shop.example", "https://www.acme.example", "https://acme.example"]:
        peer = await connect(peers, auth, allowed)
        assert peer.client.connected, allowed
    # PingBack's own pages (demo, preview) and agents' inbox sockets.
    own = peers.url
    assert (await connect(peers, auth, own)).client.connected
    agent_auth = {**auth, "token": jwt_for(acme.agent)}
    assert (await connect(peers, agent_auth, "https://evil.example")).client.connected
    # Another business without a list: any website.
    other = {"business_id": globex.business.public_id}
    assert (await connect(peers, other, "https://evil.example")).client.connected


async def test_open_widgets_are_told_when_settings_change(peers, acme, globex):
    """Changed through the server's REST API (the server process publishes the event)."""
    import httpx

    widget = await peers.connect({"business_id": acme.business.public_id})
    other = await peers.connect({"business_id": globex.business.public_id})
    headers = {"Authorization": f"Bearer {acme.raw_api_key}"}
    async with httpx.AsyncClient(base_url=peers.url, headers=headers) as api:
        response = await api.patch("/api/v1/widget/settings", json={"color": "#000000"})
        assert response.status_code == 200, response.text
        assert await widget.next("widget_settings_changed") == {"changed": ["color"]}
        response = await api.patch("/api/v1/business/hours", json={"enabled": True})
        assert response.status_code == 200, response.text
        assert await widget.next("widget_settings_changed") == {"changed": ["hours"]}
    assert other.pending("widget_settings_changed") == []
