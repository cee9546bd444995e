"""Anonymous widget abuse and socket bad input (issue 21, items 7 and 8), on a real server."""

import asyncio
import time

import pytest

from tests.live import AsgiServer
from tests.realtime_sio.conftest import TIMEOUT, Peer, customer_data

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        AsgiServer(
            REDIS_URL=None,
            API_NUM_PROXIES="1",  # the tests name their client IP in X-Forwarded-For
            WIDGET_CONVERSATIONS_PER_IP_PER_MINUTE="3",
            WIDGET_CONVERSATIONS_PER_BUSINESS_PER_MINUTE="5",
            METADATA_MAX_BYTES="2048",
            METADATA_MAX_KEYS="10",
            WIDGET_CONNECTS_PER_IP_PER_MINUTE="12",
        ) as live,
    ):
        yield live


async def widget_peer(url: str, business, ip: str, peer: Peer | None = None) -> Peer:
    """A Peer connected anonymously to ``business``'s widget, naming ``ip`` in
    X-Forwarded-For (a refusal raises; ``peer.connect_error`` says why)."""
    peer = peer or Peer(url)
    await peer.client.connect(
        url,
        auth={"business_id": business.public_id},
        headers={"X-Forwarded-For": ip},
        transports=["websocket"],
        wait_timeout=TIMEOUT,
    )
    return peer


async def refused_peer(url: str, business, ip: str) -> Peer:
    """A connection attempt that must be refused; the Peer holds the connect error."""
    import socketio  # the client's exception type, for this helper only

    peer = Peer(url)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await widget_peer(url, business, ip, peer)
    return peer


@pytest.fixture
async def connect(server):
    made = []

    async def open_peer(business, ip="198.51.100.1"):
        peer = await widget_peer(server.url, business, ip)
        made.append(peer)
        return peer

    yield open_peer
    for peer in made:
        await peer.close()


def not_at_a_minute_boundary():
    """The limits count in one-minute windows: don't start a burst a moment before one ends."""
    left = 60 - time.time() % 60
    if left < 5:
        time.sleep(left + 0.1)


async def start(peer, text="hi", **extra):
    return await peer.call(
        "client_message", {"content": text, "customer_data": customer_data(), **extra}
    )


async def test_new_conversations_are_limited_per_ip_and_per_business(connect, acme, globex):
    not_at_a_minute_boundary()
    widget = await connect(acme.business, ip="198.51.100.1")
    for i in range(3):
        assert (await start(widget, f"hello {i}"))["ok"]
    ack = await start(widget, "one too many")
    assert ack["ok"] is False
    assert ack["error"]["code"] == "CONVERSATION_RATE_LIMITED"
    assert 0 < ack["error"]["retry_after"] <= 60
    # The same visitor can still write in a conversation it has.
    conv_id = (await start(await connect(acme.business, ip="198.51.100.2")))["conversation_id"]
    # Per business: two more from other addresses reach acme's limit of 5 a minute.
    other = await connect(acme.business, ip="198.51.100.3")
    assert (await start(other))["ok"]
    ack = await start(await connect(acme.business, ip="198.51.100.4"))
    assert (
        ack["error"]["code"] == "CONVERSATION_RATE_LIMITED"
        and "business" in ack["error"]["message"]
    )
    # Another business is not affected.
    assert (await start(await connect(globex.business, ip="198.51.100.5")))["ok"]
    assert conv_id


async def test_metadata_size_and_keys_are_limited(connect, acme):
    widget = await connect(acme.business, ip="192.0.2.50")
    ack = await start(widget, metadata={"blob": "x" * 60_000})
    assert ack["error"]["code"] == "METADATA_TOO_LARGE" and ack["error"]["field"] == "metadata"
    ack = await start(widget, metadata={f"k{i}": i for i in range(40)})
    assert ack["error"]["code"] == "METADATA_TOO_LARGE"
    assert (await start(widget, metadata={"plan": "pro"}))["ok"]


BAD_TEXT = [
    {"content": "a\u0000b", "customer_data": customer_data()},
    {"content": "a\ud800b", "customer_data": customer_data()},
    {"content": "hi", "customer_data": customer_data(name="Ja\u0000ne")},
    {"content": "hi", "customer_data": customer_data(name="Ja\udfffne")},
    {"content": "hi", "customer_data": customer_data(), "metadata": {"k": "\u0000"}},
    {"content": "hi", "customer_data": customer_data(), "metadata": {"\ud800": 1}},
    {"content": "hi", "customer_data": customer_data(), "client_id": "c\u0000"},
]


# One client IP per case (the per-IP conversation limit is 3 a minute on this server).
@pytest.mark.parametrize(("n", "payload"), list(enumerate(BAD_TEXT)))
async def test_nul_and_lone_surrogates_are_validation_errors(connect, acme, n, payload):
    widget = await connect(acme.business, ip=f"192.0.2.{60 + n}")
    ack = await widget.call("client_message", payload)
    assert ack["ok"] is False
    assert ack["error"]["code"] == "VALIDATION_ERROR", ack
    assert (await start(widget, "still fine"))["ok"]  # the socket stays usable


async def raw_call(peer: Peer, raw_json_array: str):
    """Send a Socket.IO EVENT packet written by hand (the python client cannot even encode a
    990-deep payload) and wait for its ack."""
    done = asyncio.get_running_loop().create_future()
    ack_id = peer.client._generate_ack_id("/", lambda *args: done.set_result(args))
    await peer.client.eio.send(f"2{ack_id}{raw_json_array}")
    args = await asyncio.wait_for(done, TIMEOUT)
    return args[0] if len(args) == 1 else args


@pytest.mark.parametrize("depth", [990, 5000])
async def test_a_deeply_nested_payload_gets_an_error_ack(connect, acme, depth):
    widget = await connect(acme.business, ip=f"192.0.2.{depth % 200}")
    deep = "[" * depth + '"bottom"' + "]" * depth
    ack = await raw_call(
        widget,
        '["client_message",{"content":"hi","customer_data":{"name":"J","email":"j@x.test"},'
        f'"metadata":{{"d":{deep}}}}}]',
    )
    assert ack["ok"] is False and ack["error"]["code"] in {"VALIDATION_ERROR", "INVALID_PAYLOAD"}
    ack = await raw_call(widget, f'["typing",{{"conversation_id":{deep},"is_typing":true}}]')
    assert ack["ok"] is False
    assert (await start(widget, "still fine"))["ok"]


async def test_connect_disconnect_cycles_are_limited_per_ip(server, connect, acme):
    """A script cycling anonymous connections is refused after the per-IP limit in a minute,
    with a code that says so; another IP still gets in (issue 21, item 8)."""
    not_at_a_minute_boundary()
    cycler = "203.0.113.77"
    for _ in range(12):
        peer = await connect(acme.business, ip=cycler)
        await peer.close()
    refused = await refused_peer(server.url, acme.business, cycler)
    assert refused.connect_error["data"] == {"code": "CONNECT_RATE_LIMITED"}
    assert "at most 12 a minute" in refused.connect_error["message"]
    other = await connect(acme.business, ip="203.0.113.78")
    assert other.client.connected


async def engineio_connect(url: str, business, source: str) -> list:
    """A Socket.IO connect over a raw WebSocket from the local address ``source`` (any of
    127.0.0.0/8 reaches the server on Linux): the namespace's answer, ``["40", …]`` when
    accepted or ``["44", {"message", "data"}]`` when refused."""
    import json

    from websockets.asyncio.client import connect  # a raw client: it can choose its address

    ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    async with connect(ws_url, local_addr=(source, 0), open_timeout=TIMEOUT) as ws:
        await asyncio.wait_for(ws.recv(), TIMEOUT)  # the Engine.IO open packet
        await ws.send("40" + json.dumps({"business_id": business.public_id}))
        answer = await asyncio.wait_for(ws.recv(), TIMEOUT)
    return [answer[:2], json.loads(answer[2:] or "{}")]


async def test_the_per_ip_limit_counts_the_tcp_peer_not_a_forged_header(acme):
    """With no proxy trusted (API_NUM_PROXIES=0, the default), the per-IP limit counts the
    TCP peer: naming a new address in X-Forwarded-For on every connection does not dodge it,
    and another machine (here 127.0.0.2) has its own count. Before, python-engineio's
    environ said 127.0.0.1 for every Socket.IO client, so all visitors shared one count."""
    with AsgiServer(
        REDIS_URL=None, API_NUM_PROXIES="0", WIDGET_CONNECTS_PER_IP_PER_MINUTE="3"
    ) as live:
        not_at_a_minute_boundary()
        for n in range(3):
            peer = await widget_peer(live.url, acme.business, f"198.51.100.{n + 10}")
            await peer.close()
        refused = await refused_peer(live.url, acme.business, "198.51.100.99")
        assert refused.connect_error["data"] == {"code": "CONNECT_RATE_LIMITED"}
        kind, body = await engineio_connect(live.url, acme.business, "127.0.0.1")
        assert kind == "44" and body["data"] == {"code": "CONNECT_RATE_LIMITED"}
        kind, body = await engineio_connect(live.url, acme.business, "127.0.0.2")
        assert kind == "40", body
