"""Integrations hear of an erasure on /ws (``customer.erased``), and a replay from before it no
longer carries the erased customer's events (through the full ASGI app)."""

import json

import pytest

from conversations import actions
from privacy.actions import do_erase_customer
from tests.realtime_topics.helpers import Client, run

pytestmark = pytest.mark.django_db(transaction=True)


async def stream(tenant, **auth) -> Client:
    client = await Client.stream()
    await client.send({"type": "auth", "apiKey": tenant.raw_api_key, **auth})
    assert (await client.recv())["type"] == "auth.ok"
    return client


async def test_ws_gets_customer_erased_and_replay_forgets_the_customer(acme):
    leaving = await run(
        actions.create_customer, acme.business, name="Lena Leaving", email="lena@private.test"
    )
    kept = await run(acme.start, "I stay")
    conv = await run(acme.start, "Please delete my account.", customer=leaving)
    live = await stream(acme)
    try:
        await run(do_erase_customer, leaving)
        erased = await live.recv()
        assert erased["type"] == "customer.erased"
        assert erased["visitorId"] == str(leaving.pk) and erased["sessionIds"] == [str(conv.pk)]
    finally:
        await live.close()

    replay = await stream(acme, lastEventId=0)
    frames = []
    try:
        while (frame := await replay.recv())["type"] != "replay.done":
            frames.append(frame)
    finally:
        await replay.close()
    text = json.dumps(frames)
    assert "Lena" not in text and "lena@private.test" not in text and "delete my" not in text
    assert {f.get("sessionId") for f in frames if "sessionId" in f} == {str(kept.pk)}
    assert frames[-1]["type"] == "customer.erased"
