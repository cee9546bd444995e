"""Labels: per-business, coloured, put on and taken off conversations through one action with
one event (``session.labels_changed`` for webhooks and /ws); REST, filters, other businesses."""

import json

import pytest

from conversations.actions import Actor
from conversations.events import EventType
from conversations.pocketping_events import POCKETPING
from teamtools.actions.labels import do_set_labels
from tests.api.conftest import assert_error, client_for

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_set_labels_publishes_one_event_with_what_changed(acme, vip, refund, captured_events):
    conv = acme.start()
    actor = Actor.of_agent(acme.agent)
    _, labels = do_set_labels(conv, add=[vip, refund], actor=actor)
    assert [lb.name for lb in labels] == ["refund", "VIP"]
    _, labels = do_set_labels(conv, add=[vip], remove=[refund], actor=actor)
    assert [lb.name for lb in labels] == ["VIP"]
    do_set_labels(conv, add=[vip], actor=actor)  # nothing changes: no event
    events = [e for e in captured_events if e.type == EventType.CONVERSATION_LABELS_CHANGED]
    assert [
        ([a["name"] for a in e.data["added"]], [r["name"] for r in e.data["removed"]])
        for e in events
    ] == [
        (["VIP", "refund"], []),
        ([], ["refund"]),
    ]
    assert events[0].audience.allows_customer(conv.customer_id, acme.business.pk) is False
    name, data = POCKETPING.render(events[1])[0]
    assert name == "session.labels_changed"
    assert data["labels"] == [{"id": vip.pk, "name": "VIP", "color": "#d97706"}]


def test_another_business_label_is_refused(acme, globex_label):
    from conversations import errors

    with pytest.raises(errors.NotFound):
        do_set_labels(acme.start(), add=[globex_label], actor=Actor.of_agent(acme.owner))


def test_rest_label_crud_for_managers(acme, globex_label):
    owner = client_for(acme, "owner")
    created = owner.post("/api/v1/labels", {"name": "urgent", "color": "#B42318"})
    assert created.status_code == 201 and created.json()["color"] == "#b42318"
    pk = created.json()["id"]
    assert_error(owner.post("/api/v1/labels", {"name": "URGENT"}), 409, "LABEL_EXISTS")
    for bad in (
        {},
        {"name": ""},
        {"name": 3},
        {"name": "x" * 41},
        {"name": "a", "color": "red"},
        {"name": "a\x00"},
        {"name": "a", "color": "#12345"},
    ):
        response = owner.post("/api/v1/labels", bad)
        assert response.status_code == 400, (bad, response.content)
        assert set(response.json()) >= {"error", "message", "code"}
    renamed = owner.patch(f"/api/v1/labels/{pk}", {"name": "on fire"})
    assert renamed.json() == {"id": pk, "name": "on fire", "color": "#b42318"}
    assert_error(owner.patch(f"/api/v1/labels/{pk}", {"color": "blue"}), 400, "VALIDATION_ERROR")
    assert [lb["name"] for lb in owner.get("/api/v1/labels").json()["results"]] == ["on fire"]
    # Plain agents read labels but do not manage them.
    agent = client_for(acme, "agent")
    assert agent.get("/api/v1/labels").status_code == 200
    assert_error(agent.post("/api/v1/labels", {"name": "mine"}), 403, "FORBIDDEN")
    assert_error(agent.delete(f"/api/v1/labels/{pk}"), 403, "FORBIDDEN")
    # Another business's label is unknown here.
    for call in (owner.patch, owner.delete):
        assert_error(
            call(f"/api/v1/labels/{globex_label.pk}", {"name": "mine"}), 404, "LABEL_NOT_FOUND"
        )
    assert owner.delete(f"/api/v1/labels/{pk}").status_code == 204
    assert_error(owner.delete(f"/api/v1/labels/{pk}"), 404, "LABEL_NOT_FOUND")


def test_rest_labels_on_a_conversation_and_the_list_filter(acme, globex, vip, refund, globex_label):
    first, second = acme.start("one"), acme.start("two", customer=None)
    agent = client_for(acme, "agent")
    put = agent.post(f"/api/v1/conversations/{first.pk}/labels", {"add": [vip.pk, refund.pk]})
    assert [lb["name"] for lb in put.json()["results"]] == ["refund", "VIP"]
    agent.post(f"/api/v1/conversations/{second.pk}/labels", {"add": [refund.pk]})
    took = agent.post(f"/api/v1/conversations/{first.pk}/labels", {"remove": [refund.pk]})
    assert [lb["name"] for lb in took.json()["results"]] == ["VIP"]

    def ids(query):
        response = agent.get(f"/api/v1/conversations?{query}")
        assert response.status_code == 200, response.content
        return [c["id"] for c in response.json()["results"]]

    assert ids("label=vip") == [first.pk]
    assert ids(f"label={refund.pk}") == [second.pk]
    detail = agent.get(f"/api/v1/conversations/{first.pk}").json()
    assert detail["labels"] == [{"id": vip.pk, "name": "VIP", "color": "#d97706"}]
    assert_error(agent.get("/api/v1/conversations?label=nosuch"), 400, "VALIDATION_ERROR")
    assert_error(agent.get("/api/v1/conversations?label=globex-only"), 400, "VALIDATION_ERROR")
    # Unknown parameters are refused, not ignored.
    assert_error(agent.get("/api/v1/conversations?labels=vip"), 400, "UNKNOWN_PARAMETER")

    for body in ({"add": "1"}, {"add": [0]}, {"add": ["x"]}, {"remove": [True]}, ["add"]):
        response = agent.post(f"/api/v1/conversations/{first.pk}/labels", body)
        assert response.status_code == 400, (body, response.content)
    assert_error(
        agent.post(f"/api/v1/conversations/{first.pk}/labels", {"add": [globex_label.pk]}),
        404,
        "LABEL_NOT_FOUND",
    )
    theirs = globex.start()
    assert_error(
        agent.post(f"/api/v1/conversations/{theirs.pk}/labels", {"add": [vip.pk]}),
        404,
        "CONVERSATION_NOT_FOUND",
    )


def test_conversation_list_with_labels_has_bounded_queries(
    acme, vip, refund, django_assert_max_num_queries
):
    for i in range(12):
        conv = acme.start(f"conversation {i}")
        do_set_labels(conv, add=[vip, refund], actor=Actor.of_agent(acme.owner))
    owner = client_for(acme, "owner")
    with django_assert_max_num_queries(8):
        response = owner.get("/api/v1/conversations?limit=50")
    assert all(len(c["labels"]) == 2 for c in response.json()["results"])
    with django_assert_max_num_queries(8):
        owner.get("/api/v1/conversations?label=vip")


def test_label_change_is_a_webhook(acme, vip, receiver, allow_private, queued, committed):
    from webhooks import actions as webhook_actions
    from webhooks import delivery

    webhook_actions.create_endpoint(
        acme.business, url=receiver.url, events=["session.labels_changed"]
    )
    with committed():
        conv = acme.start()
        do_set_labels(conv, add=[vip], actor=Actor.of_agent(acme.owner))
    assert len(queued) == 1
    delivery.deliver(queued[0])
    (got,) = receiver.received
    body = json.loads(got.body)
    assert body["event"] == "session.labels_changed"
    assert body["data"]["sessionId"] == str(conv.pk)
    assert body["data"]["added"] == [{"id": vip.pk, "name": "VIP", "color": "#d97706"}]


def test_label_settings_page(client, acme, globex_label):
    from tests.inbox.test_views import login

    login(client, acme.agent)
    assert client.get("/inbox/settings/labels/").status_code == 200
    client.post("/inbox/settings/labels/", {"name": "sneaky", "color": "#000000"})
    assert not acme.business.labels.exists()
    login(client, acme.owner)
    client.post("/inbox/settings/labels/", {"name": "billing", "color": "#12805C"})
    client.post("/inbox/settings/labels/", {"name": "bad", "color": "green"})
    assert list(acme.business.labels.values_list("name", "color")) == [("billing", "#12805c")]
    page = client.get("/inbox/settings/labels/")
    assert b"billing" in page.content and b"globex-only" not in page.content
    refused = client.post(
        "/inbox/settings/labels/", {"delete": globex_label.pk}, HTTP_ACCEPT="application/json"
    )
    assert refused.status_code == 404 and refused.json()["code"] == "LABEL_NOT_FOUND"


def test_label_lists_have_bounded_queries(client, acme, django_assert_max_num_queries):
    from teamtools.actions.labels import create_label
    from tests.inbox.test_views import login

    for i in range(25):
        create_label(acme.business, name=f"label {i}", color="#123456")
    owner = client_for(acme, "owner")
    with django_assert_max_num_queries(6):
        assert len(owner.get("/api/v1/labels").json()["results"]) == 25
    login(client, acme.owner)
    client.get("/inbox/settings/labels/")
    with django_assert_max_num_queries(12):
        assert client.get("/inbox/settings/labels/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/inbox/settings/canned/").status_code == 200
