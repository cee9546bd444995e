"""Every list endpoint costs the same number of queries for 5 and for 50 items."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations import actions
from conversations.actions import Actor
from tests.api.conftest import client_for


def fill(tenant, n):
    for i in range(n):
        customer = actions.create_customer(tenant.business, name=f"c{i}", email=f"c{i}@x.test")
        conv = tenant.start(f"hello {i}", customer=customer)
        actions.do_post_message(conv, sender_type="agent", content="hi", agent=tenant.agent)
        if i % 2:
            actions.do_assign(conv, tenant.agent, actor=Actor.system())
            actions.do_request_handoff(conv, reason="r", actor=Actor.ai())
    return conv


LISTS = [
    "/api/v1/conversations/?limit=100",
    "/api/v1/conversations/handoffs/",
    "/api/v1/conversations/{conv}/messages/?limit=100",
    "/api/v1/sessions?limit=100",
    "/api/v1/sessions/{conv}/messages?limit=100",
    "/api/v1/customers/?limit=100",
    "/api/v1/agents/",
    "/api/v1/api-keys/",
]


def count(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(path)
    assert r.status_code == 200, r.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["key", "owner", "agent"])
@pytest.mark.parametrize("path", LISTS)
def test_list_query_count_does_not_grow(acme, who, path, django_assert_num_queries):
    if "api-keys" in path and who == "agent":
        who = "admin"  # plain agents are refused there (test_directory)
    client = client_for(acme, who)
    client.get("/api/v1/me")  # an API key records its last use once a minute: do it now
    conv = fill(acme, 5)
    small = count(client, path.format(conv=conv.pk))
    conv = fill(acme, 45)
    for i in range(45):
        actions.create_api_key(acme.business, f"k{i}")
    for i in range(45):
        user = get_user_model().objects.create_user(f"u{i}@acme.test", f"u{i}@acme.test")
        actions.add_agent(acme.business, user)
    with django_assert_num_queries(small):
        client.get(path.format(conv=conv.pk))
    assert small <= 5
