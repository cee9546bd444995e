"""Widget settings and business hours: the settings pages (managers only, bad input, other
businesses), the public /widget/settings/ with allowed websites, French texts, hours with a
frozen clock, and the automatic away reply once per conversation."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from business_settings import actions as settings_actions
from business_settings import hours
from business_settings.away_reply import AWAY_REPLY_CLIENT_ID
from business_settings.models import BusinessHours, WidgetSettings
from conversations.models import Message

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def as_member(agent) -> Client:
    client = Client()
    client.force_login(agent.user)
    return client


WIDGET = {
    "color": "#AA3300",
    "title": "Ask Acme",
    "greeting": "Bonjour !",
    "launcher_text": "Aide",
    "position": "left",
    "language": "fr",
    "prechat_name": "optional",
    "allowed_domains": "shop.example\n https://www.acme.example/ \n",
}


def test_widget_settings_page_saves_and_the_widget_gets_them(acme, globex, client):
    owner = as_member(acme.owner)
    page = owner.get("/inbox/settings/widget/")
    assert page.status_code == 200 and b"widget-preview" in page.content
    assert owner.post("/inbox/settings/widget/", WIDGET).status_code == 302
    ws = WidgetSettings.objects.get(business=acme.business)
    assert ws.color == "#aa3300" and ws.allowed_domains == ["shop.example", "www.acme.example"]
    config = client.get(
        "/widget/settings/",
        {"business_id": acme.business.public_id},
        HTTP_ORIGIN="https://shop.example",
    )
    assert config.status_code == 200
    assert config["Access-Control-Allow-Origin"] == "https://shop.example"
    data = config.json()
    assert data["title"] == "Ask Acme" and data["position"] == "left"
    assert data["launcher_text"] == "Aide" and data["prechat"] == {
        "name": "optional",
        "email": "required",
    }
    assert data["texts"]["start"] == "Commencer" and data["texts"]["send"] == "Envoyer"
    assert data["open_now"] is True
    # Globex is untouched: English defaults, any website.
    other = client.get(
        "/widget/settings/",
        {"business_id": globex.business.public_id},
        HTTP_ORIGIN="https://x.test",
    ).json()
    assert other["title"] == "Chat with us" and other["texts"]["start"] == "Start chat"


def test_every_french_text_is_translated():
    from business_settings.widget_texts import texts

    en, fr = texts("en"), texts("fr")
    assert en.keys() == fr.keys()
    same = {k for k in en if en[k] == fr[k]}
    assert same <= {"launcher", "messages", "support"}  # the same word in French


def test_widget_settings_refuse_a_foreign_origin(acme, client):
    settings_actions.update_widget_settings(acme.business, allowed_domains=["shop.example"])
    bid = {"business_id": acme.business.public_id}
    refused = client.get("/widget/settings/", bid, HTTP_ORIGIN="https://evil.example")
    assert refused.status_code == 403
    body = refused.json()
    assert (
        body["code"] == "ORIGIN_NOT_ALLOWED" and "evil.example" in body["message"] and body["error"]
    )
    assert client.get("/widget/settings/", bid, HTTP_ORIGIN="http://testserver").status_code == 200
    assert client.get("/widget/settings/", bid).status_code == 200  # not a browser page
    unknown = client.get("/widget/settings/", {"business_id": "0" * 32})
    assert unknown.status_code == 404 and unknown.json()["code"] == "BUSINESS_NOT_FOUND"


@pytest.mark.parametrize(
    "change,says",
    [
        ({"color": "red"}, "color"),
        ({"language": "de"}, "language"),
        ({"position": "top"}, "position"),
        ({"allowed_domains": "not a_host!"}, "not a host name"),
        ({"title": "x" * 61}, "title"),
    ],
)
def test_widget_settings_bad_input(acme, change, says):
    response = as_member(acme.owner).post("/inbox/settings/widget/", {**WIDGET, **change}, **JSON)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR" and says in body["message"]
    assert not WidgetSettings.objects.exists()


def test_action_refuses_email_off_and_unknown_fields(acme):
    from conversations import errors

    with pytest.raises(errors.ValidationFailed, match="always required"):
        settings_actions.update_widget_settings(acme.business, prechat_email="optional")
    with pytest.raises(errors.ValidationFailed, match="Unknown field"):
        settings_actions.update_widget_settings(acme.business, business_id=3)


def test_plain_agents_get_403_on_settings_pages(acme):
    agent = as_member(acme.agent)
    for url in ["/inbox/settings/widget/", "/inbox/settings/hours/"]:
        assert agent.get(url).status_code == 403
        response = agent.post(url, {}, **JSON)
        assert response.status_code == 403 and response.json()["code"] == "NOT_A_MANAGER"


HOURS = {
    "enabled": "on",
    "timezone": "Europe/Paris",
    "day_0": "09:00-12:30, 13:30-18:00",
    "day_4": "09:00-17:00",
    "holidays": "2026-12-25",
    "away_message": "We are closed, back at 9.",
}


def test_business_hours_page_and_a_frozen_clock(acme, globex):
    owner = as_member(acme.owner)
    assert owner.get("/inbox/settings/hours/").status_code == 200
    assert owner.post("/inbox/settings/hours/", HOURS).status_code == 302
    acme.business.refresh_from_db()
    assert acme.business.timezone == "Europe/Paris"
    saved = BusinessHours.objects.get(business=acme.business)
    assert saved.weekly == {
        "0": [["09:00", "12:30"], ["13:30", "18:00"]],
        "4": [["09:00", "17:00"]],
    }
    b = acme.business
    # Monday 30 Nov 2026: Paris is UTC+1.
    assert hours.is_open(b, datetime(2026, 11, 30, 8, 0, tzinfo=UTC))  # 09:00 Paris
    assert not hours.is_open(b, datetime(2026, 11, 30, 7, 59, tzinfo=UTC))  # 08:59
    assert not hours.is_open(b, datetime(2026, 11, 30, 11, 45, tzinfo=UTC))  # lunch
    assert hours.is_open(b, datetime(2026, 11, 30, 16, 59, tzinfo=UTC))  # 17:59
    assert not hours.is_open(b, datetime(2026, 11, 30, 17, 0, tzinfo=UTC))  # 18:00
    assert not hours.is_open(b, datetime(2026, 12, 1, 10, 0, tzinfo=UTC))  # Tuesday: closed
    assert not hours.is_open(b, datetime(2026, 12, 25, 10, 0, tzinfo=UTC))  # Friday, holiday
    assert hours.is_open(b, datetime(2026, 12, 18, 10, 0, tzinfo=UTC))  # another Friday
    # Summer time: Monday 6 July 2026, Paris is UTC+2.
    assert hours.is_open(b, datetime(2026, 7, 6, 7, 0, tzinfo=UTC))
    assert not hours.is_open(b, datetime(2026, 7, 6, 6, 59, tzinfo=UTC))
    # Another business is always open (no hours).
    assert hours.is_open(globex.business, datetime(2026, 12, 25, 3, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    "change,says",
    [
        ({"timezone": "Mars/Olympus"}, "Unknown time zone"),
        ({"day_1": "18:00-09:00"}, "ends before it starts"),
        ({"day_2": "nine to five"}, "is not a"),
        ({"holidays": "25/12/2026"}, "not a date"),
    ],
)
def test_business_hours_bad_input(acme, change, says):
    response = as_member(acme.admin).post("/inbox/settings/hours/", {**HOURS, **change}, **JSON)
    assert response.status_code == 400
    assert says in response.json()["message"]
    assert not BusinessHours.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_away_reply_once_per_conversation_outside_hours(acme, globex):
    from conversations import actions
    from pingback.bridge import bridge

    settings_actions.update_business_hours(
        acme.business, enabled=True, weekly={}, away_message="Closed now: we answer tomorrow."
    )
    conv = acme.start("Anyone there?")
    actions.do_post_message(conv, sender_type="customer", content="Hello?")
    actions.do_post_message(conv, sender_type="customer", content="Hello??")
    bridge.wait_idle()
    away = Message.objects.filter(conversation=conv, client_id=AWAY_REPLY_CLIENT_ID)
    assert [m.content for m in away] == ["Closed now: we answer tomorrow."]
    assert away[0].sender_type == "system"
    # A second conversation gets its own; an open business none.
    second = acme.start(
        "Me too", customer=actions.create_customer(acme.business, name="B", email="b@x.test")
    )
    open_conv = globex.start("Hi Globex")
    bridge.wait_idle()
    assert Message.objects.filter(conversation=second, client_id=AWAY_REPLY_CLIENT_ID).count() == 1
    assert not Message.objects.filter(conversation=open_conv, client_id=AWAY_REPLY_CLIENT_ID)
    # The widget is told the business is closed.
    config = Client().get("/widget/settings/", {"business_id": acme.business.public_id}).json()
    assert config["open_now"] is False


def test_open_seconds_counts_business_hours_only(acme, globex):
    """For reports: a first response time in business hours."""
    settings_actions.update_business_hours(
        acme.business,
        enabled=True,
        timezone="Europe/Paris",
        weekly={"0": [["09:00", "12:00"], ["14:00", "18:00"]], "1": [["09:00", "18:00"]]},
        holidays=["2026-12-08"],
    )
    b = acme.business
    friday_evening = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
    monday_10 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 10:00 Paris
    assert hours.open_seconds(b, friday_evening, monday_10) == 3600  # only Monday 09:00-10:00
    monday_15 = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # 15:00 Paris, lunch excluded
    assert hours.open_seconds(b, monday_10, monday_15) == (2 + 1) * 3600
    # A holiday Tuesday counts nothing; backwards or empty spans count nothing.
    assert (
        hours.open_seconds(
            b, datetime(2026, 12, 8, 0, 0, tzinfo=UTC), datetime(2026, 12, 8, 23, 0, tzinfo=UTC)
        )
        == 0
    )
    assert hours.open_seconds(b, monday_15, monday_10) == 0
    # Without hours, every second.
    assert (
        hours.open_seconds(globex.business, friday_evening, monday_10)
        == (monday_10 - friday_evening).total_seconds()
    )
