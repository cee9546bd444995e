"""Widget ``identify`` with an HMAC identity hash, over a real Socket.IO client and the web server.

A logged-in user's second browser continues their history only with a hash signed by the
business's identity secret; a forged hash, a hash signed for another business, or no hash at
all never reaches that customer's conversations."""

import pytest

from conversations.models import Conversation, Customer
from teamtools.actions.identity import identity_hash
from tests.realtime_sio.conftest import customer_data, jwt_for, orm, peers, sio_server  # noqa: F401
from tests.teamtools.test_notes_never_reach_customers import http

pytestmark = pytest.mark.django_db(transaction=True)


async def rotate(server, tenant) -> str:
    made = await http(server, "POST", "/api/v1/identity-secret", tenant.raw_api_key, {})
    assert made.status_code == 201, made.text
    return made.json()["secret"]


async def message_text(peer, content) -> str:
    while (frame := await peer.next("new_message"))["content"] != content:
        pass
    return frame["content"]


def error_code(ack) -> str:
    assert ack["ok"] is False, ack
    return ack["error"]["code"]


async def test_a_verified_identify_continues_the_users_history_in_another_browser(
    sio_server,  # noqa: F811
    peers,  # noqa: F811
    acme,
):
    secret = await rotate(sio_server, acme)
    shown = (await http(sio_server, "GET", "/api/v1/identity-secret", acme.raw_api_key)).json()
    assert shown["configured"] is True and "secret" not in shown and secret.endswith(shown["hint"])
    business = acme.business.public_id
    user = {"id": "u-42", "email": "jane@example.com", "name": "Jane Smith"}
    signed = {**user, "hash": identity_hash(secret, "u-42")}

    # The laptop: an anonymous chat, then the site's login calls PingBack.identify().
    laptop = await peers.connect({"business_id": business})
    first = await laptop.call(
        "client_message", {"content": "Where is my parcel?", "customer_data": customer_data()}
    )
    ack = await laptop.call("identify", signed)
    assert ack["ok"] and ack["verified"] is True
    assert ack["conversation_id"] == first["conversation_id"]
    customer = await orm(Customer.objects.get)(business=acme.business, external_id="u-42")

    # The phone: another anonymous chat; identifying merges it into the same customer and
    # hands back a session that reaches the laptop's conversation too.
    phone = await peers.connect({"business_id": business})
    second = await phone.call(
        "client_message",
        {"content": "Sent from my phone", "customer_data": customer_data("J", "j@phone.test")},
    )
    ack = await phone.call("identify", signed)
    assert ack["ok"] and ack["verified"] is True
    assert ack["conversation_id"] == second["conversation_id"]  # the newest one
    owners = await orm(
        lambda: set(
            Conversation.objects.filter(
                pk__in=[first["conversation_id"], second["conversation_id"]]
            ).values_list("customer_id", flat=True)
        )
    )()
    assert owners == {customer.pk}
    assert not await orm(Customer.objects.filter(email="j@phone.test").exists)()
    history = await phone.call(
        "join_conversation", {"conversation_id": first["conversation_id"], "last_message_id": 0}
    )
    assert history["ok"] and history["replayed"] == 1
    assert await message_text(phone, "Where is my parcel?")
    # The new session token works on the next page load.
    again = await peers.connect(
        {
            "business_id": business,
            "session_token": ack["session_token"],
            "conversation_id": first["conversation_id"],
            "last_message_id": 0,
        }
    )
    assert await message_text(again, "Where is my parcel?")


async def test_forged_unsigned_and_foreign_hashes_never_reach_someone_elses_customer(
    sio_server,  # noqa: F811
    peers,  # noqa: F811
    acme,
    globex,
):
    acme_secret = await rotate(sio_server, acme)
    globex_secret = await rotate(sio_server, globex)
    assert acme_secret != globex_secret
    victim = await orm(acme.start)("My card ends in 4242")
    await orm(Customer.objects.filter(pk=victim.customer_id).update)(external_id="u-42")
    business = acme.business.public_id

    intruder = await peers.connect({"business_id": business})
    mine = await intruder.call(
        "client_message", {"content": "hi", "customer_data": customer_data("Eve", "eve@x.test")}
    )
    forged = {"id": "u-42", "hash": identity_hash("guessed-secret", "u-42")}
    assert error_code(await intruder.call("identify", forged)) == "IDENTITY_HASH_INVALID"
    foreign = {"id": "u-42", "hash": identity_hash(globex_secret, "u-42")}
    assert error_code(await intruder.call("identify", foreign)) == "IDENTITY_HASH_INVALID"
    # A hash for another id does not stretch to this one, nor to an email.
    other = {"id": "u-42", "hash": identity_hash(acme_secret, "u-43")}
    assert error_code(await intruder.call("identify", other)) == "IDENTITY_HASH_INVALID"
    by_email = {"email": acme.customer.email, "hash": identity_hash(acme_secret, "u-42")}
    assert error_code(await intruder.call("identify", by_email)) == "IDENTITY_HASH_INVALID"
    # Unsigned: only the intruder's own profile changes, never a link.
    claimed = await intruder.call("identify", {"id": "u-42", "email": acme.customer.email})
    assert claimed == {"ok": True, "verified": False}
    eve = await orm(Customer.objects.get)(conversations__pk=mine["conversation_id"])
    assert eve.pk != victim.customer_id and eve.external_id == ""
    denied = await intruder.call("join_conversation", {"conversation_id": victim.pk})
    assert error_code(denied) == "CONVERSATION_NOT_FOUND"

    # The same signed identity in another business's widget links nothing there.
    elsewhere = await peers.connect({"business_id": globex.business.public_id})
    signed = {"id": "u-42", "hash": identity_hash(acme_secret, "u-42")}
    assert error_code(await elsewhere.call("identify", signed)) == "IDENTITY_HASH_INVALID"
    assert not await orm(
        Customer.objects.filter(external_id="u-42", business=globex.business).exists
    )()


async def test_identify_bad_input_and_unconfigured_business(
    sio_server,  # noqa: F811
    peers,  # noqa: F811
    acme,
):
    widget = await peers.connect({"business_id": acme.business.public_id})
    hashed = {"id": "u-1", "hash": "00" * 32}
    assert error_code(await widget.call("identify", hashed)) == "IDENTITY_NOT_CONFIGURED"
    await rotate(sio_server, acme)
    for bad, field in [
        ({}, "id"),
        ({"id": "u-1", "role": "admin"}, "role"),
        ({"id": ["u-1"]}, "id"),
        ({"id": "u-1", "hash": 5}, "hash"),
        ({"email": "not-an-email"}, "email"),
    ]:
        ack = await widget.call("identify", bad)
        assert ack["error"]["code"] == "VALIDATION_ERROR", (bad, ack)
        assert ack["error"]["field"] == field, (bad, ack)
    assert error_code(await widget.call("identify", "u-1")) == "INVALID_PAYLOAD"
    agent = await peers.connect(
        {"business_id": acme.business.public_id, "token": jwt_for(acme.owner)}
    )
    assert error_code(await agent.call("identify", hashed)) == "WIDGET_ONLY"
