"""The email follow-up survives a restart: a server process that took the reply is SIGKILLed
before the grace period ends; a fresh process (its beat sweeper) still emails the visitor,
once. Real web processes on the shared test database, a real SMTP server (aiosmtpd)."""

import json
import urllib.request

import pytest

from customer_channels import actions as channel_actions
from customer_channels.models import OutboundMessage
from tests.api.conftest import jwt_for
from tests.live import AsgiServer
from tests.mailbox import start_smtp_server

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp():
    controller, mailbox = start_smtp_server()
    yield mailbox
    controller.stop()


def post_reply(base: str, conv_id: int, agent, text: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/conversations/{conv_id}/messages/",
        data=json.dumps({"content": text}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {jwt_for(agent)}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        return json.loads(response.read())["id"]


def test_a_pending_follow_up_is_not_lost_when_the_process_dies(acme, smtp):
    channel_actions.create_channel(
        acme.business,
        kind="email",
        settings={"address": "support@acme.test", "from_name": "Acme Support"},
    )
    conv = acme.start("Is it in stock?")  # a widget conversation; the customer left an email
    env = {
        "EMAIL_URL": smtp.url,
        "CHANNELS_EMAIL_FOLLOWUP_SECONDS": "4",
        "CHANNELS_SWEEP_SECONDS": "1",
        # The embedded default: its beat thread sweeps (with a broker, `celery beat` does).
        "REDIS_URL": None,
        "CELERY_BROKER_URL": None,
    }
    first = AsgiServer(**env).start()
    try:
        reply_id = post_reply(first.url, conv.pk, acme.agent, "Yes, 12 left.")
    finally:
        first.kill()  # SIGKILL inside the grace period: nothing of that process survives
    assert not OutboundMessage.objects.exists()
    with AsgiServer(**env):  # a fresh process: only the database remembers the reply
        mail = smtp.wait_for(acme.customer.email, timeout=30)
    assert "Yes, 12 left." in mail.text
    assert OutboundMessage.objects.get().message_id == reply_id
    assert len(smtp.messages) == 1
