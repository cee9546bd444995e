"""CSAT: the rating action, its webhook, the signed rating link page and the inbox display."""

import json
from urllib.parse import urlsplit

import pytest
from django.core import signing

from conversations import actions
from conversations.actions import Actor
from csat import links
from csat.actions import AlreadyRated, do_rate_conversation
from csat.models import Rating
from webhooks import actions as webhook_actions
from webhooks import delivery
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


def resolved(tenant, agent=None):
    conv = tenant.start("help")
    if agent is not None:
        actions.do_assign(conv, agent, actor=Actor.of_agent(agent))
    return actions.do_resolve(conv, actor=Actor.of_agent(tenant.owner))


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_a_rating_is_stored_once_with_the_handling_agent(acme):
    conv = resolved(acme, acme.agent)
    rating = do_rate_conversation(conv, score=5, comment="", actor=Actor.of_customer(conv.customer))
    assert (rating.score, rating.agent_id) == (5, acme.agent.pk)
    assert rating.business_id == acme.business.pk
    with pytest.raises(AlreadyRated):
        do_rate_conversation(conv, score=1, actor=Actor.of_customer(conv.customer))
    assert Rating.objects.get().score == 5


def test_the_rating_goes_out_as_a_webhook(acme, receiver, allow_private, queued, committed):
    webhook_actions.create_endpoint(acme.business, url=receiver.url, events=["session.rated"])
    with committed():
        conv = resolved(acme)
        do_rate_conversation(conv, score=2, comment="slow", actor=Actor.of_customer(conv.customer))
    (d,) = WebhookDelivery.objects.all()
    assert delivery.deliver(d.id).status_code == 200
    body = json.loads(receiver.received[0].body)
    assert body["event"] == "session.rated"
    assert body["data"]["sessionId"] == str(conv.pk)
    assert body["data"]["rating"]["score"] == 2 and body["data"]["rating"]["comment"] == "slow"


def test_the_rating_link_page_asks_then_thanks(acme, client):
    conv = resolved(acme)
    url = path_of(links.rating_url(conv.pk))
    page = client.get(url)
    assert page.status_code == 200 and b"How did Acme Inc do?" in page.content
    bad = client.post(url, {"score": "9"})
    assert bad.status_code == 400 and b"score must be an integer" in bad.content
    done = client.post(url, {"score": "3", "comment": "fine"})
    assert done.status_code == 200 and b"3 out of 5" in done.content
    again = client.post(url, {"score": "1"})
    assert again.status_code == 409 and b"3 out of 5" in again.content
    assert Rating.objects.get(conversation=conv).score == 3


def test_forged_altered_or_expired_links_show_nothing(acme, client, settings):
    conv = resolved(acme)
    token = links.token_for(conv.pk)
    forged = signing.dumps({"c": conv.pk}, salt="another-salt", compress=True)
    for bad in (forged, token[:-2] + "xx", "nonsense"):
        page = client.get(f"/rate/{bad}/")
        assert page.status_code == 404 and b"does not work" in page.content
        assert acme.business.name.encode() not in page.content
    settings.CSAT_LINK_MAX_AGE_DAYS = -1
    assert client.post(f"/rate/{token}/", {"score": "5"}).status_code == 404
    assert not Rating.objects.exists()


def test_the_link_page_of_a_business_without_csat_does_not_ask(acme, client):
    actions.do_update_business_settings(acme.business, csat_enabled=False)
    conv = resolved(acme)
    page = client.get(path_of(links.rating_url(conv.pk)))
    assert b"Ratings are turned off" in page.content
    assert client.post(path_of(links.rating_url(conv.pk)), {"score": "5"}).status_code == 409


def test_the_inbox_conversation_shows_the_rating(acme, client):
    conv = resolved(acme, acme.agent)
    do_rate_conversation(conv, score=4, comment="nice", actor=Actor.of_customer(conv.customer))
    client.force_login(acme.owner.user)
    page = client.get(f"/inbox/c/{conv.pk}/")
    assert page.status_code == 200
    assert "4/5 — “nice”" in page.content.decode()
