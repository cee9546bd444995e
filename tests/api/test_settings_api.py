"""REST for the settings pages: /api/v1/widget/settings, /api/v1/business/hours and
/api/v1/ai/settings. Managers and API keys; plain agents 403; bad input 400; each business
only ever reads and changes its own."""

import pytest

from tests.api.conftest import assert_error, client_for

pytestmark = pytest.mark.django_db
WIDGET, HOURS, AI = "/api/v1/widget/settings", "/api/v1/business/hours", "/api/v1/ai/settings"


def test_widget_settings_over_rest(acme, globex):
    client = client_for(acme, "owner")
    assert client.get(WIDGET).json()["color"] == "#2f5bea"
    body = client.patch(
        WIDGET, {"color": "#112233", "language": "fr", "allowed_domains": ["shop.example"]}
    ).json()
    assert body["color"] == "#112233" and body["language"] == "fr"
    assert body["allowed_domains"] == ["shop.example"]
    assert client_for(acme, "key").get(WIDGET).json()["language"] == "fr"
    assert client_for(globex, "key").get(WIDGET).json()["language"] == "en"  # its own


def test_business_hours_over_rest(acme, globex):
    client = client_for(acme, "admin")
    body = client.patch(
        HOURS,
        {
            "enabled": True,
            "timezone": "America/New_York",
            "weekly": {"0": [["09:00", "17:00"]]},
            "holidays": ["2026-12-25"],
            "away_message": "Back Monday.",
            "open_now": True,  # read-only: ignored
        },
    ).json()
    assert body["timezone"] == "America/New_York" and body["weekly"] == {"0": [["09:00", "17:00"]]}
    assert body["enabled"] is True and isinstance(body["open_now"], bool)
    assert client_for(globex, "key").get(HOURS).json()["enabled"] is False


def test_ai_settings_over_rest(acme, globex):
    client = client_for(acme, "key")
    before = client.get(AI).json()
    assert before["enabled"] is False and before["provider"] == "knowledge_base"
    body = client.patch(
        AI,
        {
            "enabled": True,
            "confidence_threshold": 0.8,
            "max_replies": 2,
            "handoff_keywords": ["human", " boss "],
        },
    ).json()
    assert body["enabled"] is True and body["confidence_threshold"] == 0.8
    assert body["max_replies"] == 2 and body["handoff_keywords"] == ["human", "boss"]
    acme.business.refresh_from_db()
    assert acme.business.ai_auto_reply_enabled is True
    assert client_for(globex, "key").get(AI).json()["enabled"] is False


@pytest.mark.parametrize(
    "url,data,says",
    [
        (WIDGET, {"color": "blue"}, "color"),
        (WIDGET, {"allowed_domains": "not a host!"}, "not a host name"),
        (WIDGET, {"business": 2}, "Unknown field"),
        (WIDGET, ["color"], "JSON object"),
        (HOURS, {"weekly": {"7": []}}, "not a day"),
        (HOURS, {"timezone": "Nowhere/Land"}, "Unknown time zone"),
        (HOURS, {"enabled": "yes"}, "true or false"),
        (AI, {"provider": "skynet"}, "provider"),
        (AI, {"confidence_threshold": 3}, "0 to 1"),
        (AI, {"max_replies": "many"}, "max_replies"),
    ],
)
def test_bad_input(acme, url, data, says):
    body = assert_error(client_for(acme, "owner").patch(url, data), 400, "VALIDATION_ERROR")
    assert says in body["message"]


@pytest.mark.parametrize("url", [WIDGET, HOURS, AI])
def test_plain_agents_and_strangers_are_refused(acme, url):
    agent = client_for(acme, "agent")
    assert_error(agent.get(url), 403, "FORBIDDEN")
    assert_error(agent.patch(url, {}), 403, "FORBIDDEN")
    from rest_framework.test import APIClient

    assert APIClient().get(url).status_code == 401


def test_settings_endpoints_are_in_the_openapi_schema(client):
    paths = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in ["/api/v1/widget/settings/", "/api/v1/business/hours/", "/api/v1/ai/settings/"]:
        assert {"get", "patch"} <= set(paths[path]), path
