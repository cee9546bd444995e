"""GET/PATCH /api/v1/business/settings: managers only, validated, per business."""

import pytest

from tests.api.conftest import assert_error, client_for

URL = "/api/v1/business/settings"
pytestmark = pytest.mark.django_db


def test_owner_reads_and_changes_the_settings(acme, globex):
    client = client_for(acme, "owner")
    assert client.get(URL).json() == {
        "public_id": acme.business.public_id,
        "name": acme.business.name,
        "timezone": "UTC",
        "auto_assign_mode": "off",
        "auto_assign_capacity": 5,
        "csat_enabled": True,
    }
    body = client.patch(
        URL,
        {"timezone": "Europe/Paris", "auto_assign_mode": "round_robin", "csat_enabled": False},
    ).json()
    assert body["timezone"] == "Europe/Paris"
    assert body["auto_assign_mode"] == "round_robin"
    assert body["csat_enabled"] is False
    # Another business keeps its own.
    assert client_for(globex, "key").get(URL).json()["auto_assign_mode"] == "off"


@pytest.mark.parametrize(
    "body",
    [
        {"timezone": "Mars/Olympus"},
        {"timezone": 5},
        {"auto_assign_mode": "random"},
        {"auto_assign_capacity": 0},
        {"auto_assign_capacity": "lots"},
        {"csat_enabled": "maybe"},
    ],
)
def test_bad_settings_are_refused(acme, body):
    assert_error(client_for(acme, "admin").patch(URL, body), 400, "VALIDATION_ERROR")


def test_agents_may_not_read_or_change_settings(acme):
    client = client_for(acme, "agent")
    assert_error(client.get(URL), 403, "FORBIDDEN")
    assert_error(client.patch(URL, {"csat_enabled": False}), 403, "FORBIDDEN")
