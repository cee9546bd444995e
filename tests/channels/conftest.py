import pytest

from customer_channels import actions
from tests.channels.fake_telegram import TOKEN, FakeTelegram


@pytest.fixture(autouse=True)
def _fast(request, settings):
    if request.node.get_closest_marker("browser") is None:  # live servers verify passwords
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.API_ANON_RATE_PER_MINUTE = 0
    settings.CHANNELS_RETRY_BASE_SECONDS = 0  # retries are due at once; tests drive them
    settings.CHANNELS_SEND_TIMEOUT_SECONDS = 3


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    """Outbound ids handed to the task queue, instead of sending them from a pool thread that
    cannot see this test's uncommitted rows: the tests call ``outbox.deliver`` themselves."""
    from customer_channels import outbox

    ids: list[int] = []
    monkeypatch.setattr(outbox, "enqueue", lambda pk, countdown=None: ids.append(pk))
    return ids


@pytest.fixture
def fake_telegram(settings):
    server = FakeTelegram().start()
    settings.TELEGRAM_API_BASE_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def acme_telegram(acme, fake_telegram):
    channel, secrets = actions.create_channel(
        acme.business, kind="telegram", name="Acme bot", credentials={"bot_token": TOKEN}
    )
    channel.raw_secret = secrets["webhook_secret"]
    return channel


@pytest.fixture
def acme_email(acme):
    channel, secrets = actions.create_channel(
        acme.business,
        kind="email",
        name="Support",
        settings={"address": "support@acme.test", "from_name": "Acme Support"},
    )
    channel.raw_token = secrets["inbound_token"]
    return channel


@pytest.fixture
def fake_whatsapp(settings):
    from tests.channels.fake_whatsapp import FakeWhatsApp

    server = FakeWhatsApp().start()
    settings.WHATSAPP_API_BASE_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def acme_whatsapp(acme, fake_whatsapp):
    from tests.channels import fake_whatsapp as wa

    channel, _ = actions.create_channel(
        acme.business,
        kind="whatsapp",
        settings={"phone_number_id": wa.PHONE_NUMBER_ID},
        credentials={
            "access_token": wa.ACCESS_TOKEN,
            "app_secret": wa.APP_SECRET,
            "verify_token": wa.VERIFY_TOKEN,
        },
    )
    return channel
