"""The "My preferences" page: notification choices per agent, input checks, isolation."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from conversations.models import AgentPreferences

JSON = {"HTTP_ACCEPT": "application/json"}
URL = "/inbox/preferences/"


@pytest.fixture
def as_agent(client, acme):
    client.force_login(acme.agent.user)
    return client


def notify_of(page) -> dict:
    html = page.content.decode()
    start = html.index('id="pb-notify"')
    return json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])


def test_defaults_are_on_and_reach_every_page(as_agent, acme):
    page = as_agent.get(URL)
    assert page.status_code == 200
    assert "My preferences" in page.content.decode()
    assert notify_of(as_agent.get("/inbox/")) == dict.fromkeys(
        AgentPreferences.CHANNELS + AgentPreferences.EVENTS, True
    )
    assert not AgentPreferences.objects.exists()  # reading writes nothing


def test_saving_unchecked_boxes_turns_them_off_for_this_agent_only(as_agent, acme):
    response = as_agent.post(URL, {"sound": "on", "on_assigned_to_me": "on"})
    assert response.status_code == 302
    prefs = AgentPreferences.objects.get(agent=acme.agent)
    assert prefs.sound and prefs.on_assigned_to_me
    assert not (prefs.desktop or prefs.email or prefs.on_new_conversation or prefs.on_handoff)
    assert notify_of(as_agent.get("/inbox/"))["desktop"] is False
    assert not AgentPreferences.objects.filter(agent=acme.other_agent).exists()
    assert as_agent.post(URL, {"sound": "on"}, **JSON).json()["preferences"]["sound"] is True


def test_preferences_need_login_csrf_and_a_business(acme, globex, client):
    assert client.get(URL).status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(acme.agent.user)
    assert strict.post(URL, {"sound": "on"}).status_code == 403
    # Unknown fields are ignored, not stored; another business's agent id cannot be named.
    client.force_login(globex.agent.user)
    client.post(URL, {"agent": str(acme.agent.pk), "sound": "on", "evil": "1"})
    assert not AgentPreferences.objects.filter(agent=acme.agent).exists()
    assert AgentPreferences.objects.get(agent=globex.agent).sound is True
    assert client.put(URL).status_code == 405
    assert reverse("inbox:preferences") == URL
