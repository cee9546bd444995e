"""Canned responses: variables filled per conversation, REST CRUD with bad input and other
businesses, the inbox picker and settings page."""

import pytest

from conversations import errors
from teamtools.actions.canned import create_canned, render
from tests.api.conftest import assert_error, client_for

pytestmark = pytest.mark.django_db

REFUND = (
    "Hi {{customer.first_name | there}}, your refund is on its way. "
    "{{ agent.name }}, {{business.name}}"
)


@pytest.fixture
def refund_reply(acme):
    return create_canned(acme.business, shortcut="/Refund", title="Refund sent", content=REFUND)


def test_variables_are_filled_for_the_conversation_and_agent(acme, refund_reply):
    assert refund_reply.shortcut == "refund"
    conv = acme.start()
    conv.customer.name = "Sam Buyer"
    assert render(refund_reply, conv, acme.agent) == (
        "Hi Sam, your refund is on its way. Alice, Acme Inc"
    )
    conv.customer.name = ""
    assert render(refund_reply, conv, acme.agent).startswith("Hi there,")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"content": "Hi {{customer.nmae}}"}, "UNKNOWN_VARIABLE"),
        ({"shortcut": "has space"}, "VALIDATION_ERROR"),
        ({"shortcut": ""}, "VALIDATION_ERROR"),
        ({"title": " "}, "VALIDATION_ERROR"),
        ({"content": ""}, "VALIDATION_ERROR"),
        ({"content": "a\x00"}, "VALIDATION_ERROR"),
    ],
)
def test_bad_canned_responses_are_refused(acme, fields, code):
    with pytest.raises(errors.ValidationFailed) as refused:
        create_canned(acme.business, **{"shortcut": "ok", "title": "t", "content": "c", **fields})
    assert refused.value.code == code


def test_rest_crud_search_and_render(acme, globex, refund_reply):
    owner = client_for(acme, "owner")
    made = owner.post(
        "/api/v1/canned-responses",
        {"shortcut": "hello", "title": "Greeting", "content": "Hello {{customer.name}}!"},
    )
    assert made.status_code == 201, made.content
    assert_error(
        owner.post("/api/v1/canned-responses", {"shortcut": "HELLO", "title": "x", "content": "y"}),
        409,
        "SHORTCUT_EXISTS",
    )
    agent = client_for(acme, "agent")
    found = agent.get("/api/v1/canned-responses?q=ref").json()["results"]
    assert [r["shortcut"] for r in found] == ["refund"]
    assert_error(agent.get("/api/v1/canned-responses?query=ref"), 400, "UNKNOWN_PARAMETER")
    assert_error(
        agent.post("/api/v1/canned-responses", {"shortcut": "a", "title": "b", "content": "c"}),
        403,
        "FORBIDDEN",
    )
    pk = made.json()["id"]
    assert owner.patch(f"/api/v1/canned-responses/{pk}", {"title": "Hi"}).json()["title"] == "Hi"
    assert_error(
        owner.patch(f"/api/v1/canned-responses/{pk}", {"content": "{{nope.x}}"}),
        400,
        "UNKNOWN_VARIABLE",
    )
    conv = acme.start()
    rendered = agent.get(f"/api/v1/conversations/{conv.pk}/canned-responses/{pk}/rendered")
    assert rendered.json() == {"id": pk, "shortcut": "hello", "content": "Hello acme customer!"}
    key = client_for(acme, "key")
    url = f"/api/v1/conversations/{conv.pk}/canned-responses/{refund_reply.pk}/rendered"
    assert_error(key.get(url), 400, "AGENT_REQUIRED")
    assert key.get(f"{url}?agent_id={acme.admin.pk}").json()["content"].endswith("Adam, Acme Inc")
    # Another business's ids are unknown here.
    theirs = create_canned(globex.business, shortcut="g", title="g", content="g")
    for call in (owner.get, owner.patch, owner.delete):
        assert_error(
            call(f"/api/v1/canned-responses/{theirs.pk}"), 404, "CANNED_RESPONSE_NOT_FOUND"
        )
    their_conv = globex.start()
    assert_error(
        owner.get(f"/api/v1/conversations/{their_conv.pk}/canned-responses/{pk}/rendered"),
        404,
        "CONVERSATION_NOT_FOUND",
    )
    assert_error(
        owner.get(f"/api/v1/conversations/{conv.pk}/canned-responses/{theirs.pk}/rendered"),
        404,
        "CANNED_RESPONSE_NOT_FOUND",
    )
    for bad in ({}, {"shortcut": 1, "title": "t", "content": "c"}, ["x"]):
        response = owner.post("/api/v1/canned-responses", bad)
        assert response.status_code == 400 and "code" in response.json()
    assert owner.delete(f"/api/v1/canned-responses/{pk}").status_code == 204


def test_canned_list_has_bounded_queries(acme, django_assert_max_num_queries):
    for i in range(30):
        create_canned(acme.business, shortcut=f"r{i}", title=f"Reply {i}", content="Hi")
    with django_assert_max_num_queries(6):
        response = client_for(acme, "agent").get("/api/v1/canned-responses")
    assert len(response.json()["results"]) == 30


def test_inbox_picker_and_settings_page(client, acme, globex, refund_reply):
    from tests.inbox.test_views import login

    conv = acme.start()
    login(client, acme.agent)
    picked = client.get(f"/inbox/c/{conv.pk}/canned/", {"q": "ref"}).json()["results"]
    assert picked[0]["content"].startswith("Hi acme,")
    assert client.get(f"/inbox/c/{globex.start().pk}/canned/").status_code == 404
    page = client.get("/inbox/settings/canned/")
    assert b"/refund" in page.content and b"New canned response" not in page.content
    refused = client.post(
        "/inbox/settings/canned/", {"shortcut": "x", "title": "y", "content": "z"}
    )
    assert refused.status_code == 302
    login(client, acme.owner)
    client.post(
        "/inbox/settings/canned/",
        {"shortcut": "bye", "title": "Bye", "content": "Bye {{agent.first_name}}"},
    )
    client.post(
        "/inbox/settings/canned/", {"shortcut": "bad", "title": "Bad", "content": "{{x.y}}"}
    )
    assert sorted(acme.business.canned.values_list("shortcut", flat=True)) == ["bye", "refund"]
