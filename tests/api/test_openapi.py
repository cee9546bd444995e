"""The OpenAPI schema (/api/v1/schema/): valid OpenAPI 3.0.3, readable operation ids, every
operation described, and real answers that fit it strictly (nulls included)."""

import re

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import OpenAPIV30SpecValidator

from conversations import actions
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def inline(node, spec):
    """The schema with every ``$ref`` replaced by its component (for a plain JSON validator)."""
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            return inline(spec["components"]["schemas"][name], spec)
        return {k: inline(v, spec) for k, v in node.items()}
    if isinstance(node, list):
        return [inline(v, spec) for v in node]
    return node


def fits(instance, spec, path, method, status="200"):
    body = spec["paths"][path][method]["responses"][status]["content"]["application/json"]
    OAS30Validator(inline(body["schema"], spec)).validate(instance)


def test_the_schema_is_valid_openapi_3_0_3(spec):
    assert spec["openapi"] == "3.0.3"
    errors = [e.message for e in OpenAPIV30SpecValidator(spec).iter_errors()]
    assert errors == []


def test_operation_ids_are_unique_and_readable(spec):
    ids = [op["operationId"] for _, _, op in operations(spec)]
    assert len(ids) == len(set(ids))
    assert [i for i in ids if re.search(r"_\d+$", i)] == []  # no "webhooks_retrieve_2"
    by_id = {op["operationId"]: (path, method) for path, method, op in operations(spec)}
    assert by_id["webhooks_list"] == ("/api/v1/webhooks/", "get")
    assert by_id["webhooks_retrieve"] == ("/api/v1/webhooks/{webhook_id}/", "get")
    assert by_id["webhooks_deliveries_list"][0].endswith("/deliveries/")


def test_every_operation_has_its_success_response_and_errors(spec):
    for path, method, op in operations(spec):
        where = f"{method.upper()} {path}"
        success = [s for s in op["responses"] if s.startswith("2")]
        assert success, where
        for status in success:
            if status != "204":
                assert "content" in op["responses"][status], f"{where} {status} has no body"
                for media in op["responses"][status]["content"].values():
                    assert media.get("schema"), f"{where} {status} has no schema"
        for status in ("400", "500"):
            assert status in op["responses"], f"{where} lacks {status}"
        errors = [s for s in op["responses"] if s[0] in "45"]
        for status in errors:
            schema = op["responses"][status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, f"{where} {status}"


def test_webhook_operations_describe_their_bodies(spec):
    ops = {op["operationId"]: op for _, _, op in operations(spec)}
    webhooks = {k: v for k, v in ops.items() if k.startswith("webhooks_")}
    assert len(webhooks) == 15
    create = webhooks["webhooks_create"]
    assert "requestBody" in create and "201" in create["responses"]
    created = inline(create["responses"]["201"]["content"]["application/json"]["schema"], spec)
    assert "secret" in created["required"]
    assert "requestBody" in webhooks["webhooks_update"]
    assert "202" in webhooks["webhooks_test"]["responses"]
    assert "403" in webhooks["webhooks_list"]["responses"]


def test_nullable_references_accept_null_strictly(spec, acme):
    """drf-spectacular's ``allOf`` + ``nullable`` let no null through a strict 3.0.3 validator."""
    conv = acme.start("Hello")  # unassigned: assignee null
    owner = client_for(acme, "owner")
    listed = owner.get("/api/v1/conversations/").json()
    assert listed["results"][0]["assignee"] is None
    fits(listed, spec, "/api/v1/conversations/", "get")
    fits(
        owner.get(f"/api/v1/conversations/{conv.pk}/").json(),
        spec,
        "/api/v1/conversations/{id}/",
        "get",
    )
    actions.do_post_message(conv, sender_type="agent", content="Hi", agent=acme.agent)
    fits(
        owner.get(f"/api/v1/conversations/{conv.pk}/").json(),
        spec,
        "/api/v1/conversations/{id}/",
        "get",
    )
    messages = owner.get(f"/api/v1/conversations/{conv.pk}/messages/").json()
    assert messages["results"][0]["sender_api_key_id"] is None
    fits(messages, spec, "/api/v1/conversations/{id}/messages/", "get")


def test_webhook_answers_fit_the_schema(spec, acme, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    key = client_for(acme, "key")
    created = key.post(
        "/api/v1/webhooks/", {"url": "http://127.0.0.1:9/pb", "events": ["*"]}, format="json"
    )
    assert created.status_code == 201, created.content
    fits(created.json(), spec, "/api/v1/webhooks/", "post", "201")
    listed = key.get("/api/v1/webhooks/").json()
    fits(listed, spec, "/api/v1/webhooks/", "get")
    hook = f"/api/v1/webhooks/{created.json()['id']}/"
    fits(key.get(hook).json(), spec, "/api/v1/webhooks/{webhook_id}/", "get")
    fits(
        key.get(hook + "deliveries/").json(),
        spec,
        "/api/v1/webhooks/{webhook_id}/deliveries/",
        "get",
    )
