import json

from django.core.management import call_command

from conversations.access import authenticate_api_key
from conversations.models import Business, Conversation


def run_demo(*args) -> dict:
    from io import StringIO

    out = StringIO()
    call_command("demo", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_demo_twice_leaves_one_business_with_every_status(db):
    first = run_demo()
    second = run_demo()
    assert Business.objects.filter(name="PingBack Demo").count() == 1
    assert first["business_id"] == second["business_id"]
    statuses = set(Conversation.objects.values_list("status", flat=True))
    assert statuses == {"open", "pending", "resolved", "closed"}
    assert Conversation.objects.filter(needs_human_handoff=True).exists()
    # Only the latest printed key works.
    assert authenticate_api_key(first["api_key"]) is None
    assert authenticate_api_key(second["api_key"]).business.public_id == second["business_id"]


def test_demo_chooses_password_and_api_key(db, client):
    info = run_demo("--password", "s3cret-pass-1", "--api-key", "pbk_chosen-key-123")
    assert info["api_key"] == "pbk_chosen-key-123"
    again = run_demo("--password", "s3cret-pass-1", "--api-key", "pbk_chosen-key-123")
    assert authenticate_api_key("pbk_chosen-key-123") is not None
    assert again["api_key"] == "pbk_chosen-key-123"
    assert client.login(username=info["owner"]["email"], password="s3cret-pass-1")


def test_demo_owner_sees_the_demo_data_in_the_admin(db, client):
    info = run_demo()
    assert client.login(username=info["owner"]["email"], password=info["owner"]["password"])
    page = client.get("/admin/conversations/conversation/")
    assert page.status_code == 200
    assert "Jane Smith" in page.content.decode()


def test_rerunning_the_demo_never_resets_a_changed_password(db, client):
    from django.contrib.auth import get_user_model

    first = run_demo()
    owner = get_user_model().objects.get(email=first["owner"]["email"])
    owner.set_password("my-own-secret-9")
    owner.save()
    again = run_demo()
    assert again["owner"]["password"] is None  # nothing to show: it was not changed
    assert not client.login(username=first["owner"]["email"], password=first["owner"]["password"])
    assert client.login(username=first["owner"]["email"], password="my-own-secret-9")


def test_the_demo_leaves_the_beat_nothing_to_email_and_logs_no_task_lines(db, caplog):
    """``make run``: seeding prints the credentials without a hundred task lines before them,
    and a minute later the rating-link sweep finds every resolved channel conversation of the
    seeded history already linked (it emailed yesterday's demo customers on the console)."""
    import logging

    from django.core import mail

    from customer_channels.csat_link import CLIENT_ID, sweep_rating_links

    with caplog.at_level(logging.INFO):
        run_demo()
    noisy = [r for r in caplog.records if r.name in ("pingback.tasks", "celery.app.trace")]
    assert noisy == [] and logging.getLogger("pingback.tasks").level == logging.NOTSET
    resolved_by_email = Conversation.objects.filter(status="resolved", channel_type="email")
    assert resolved_by_email.exists()
    assert all(c.messages.filter(client_id=CLIENT_ID).exists() for c in resolved_by_email)
    mail.outbox.clear()
    assert sweep_rating_links() == 0
    assert mail.outbox == []
