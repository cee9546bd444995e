"""Password guessing on the form logins is limited per IP and per account (issue 21, item 4)."""

import pytest

from tests.conftest import PASSWORD, clear_cache


@pytest.fixture(autouse=True)
def limits(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LOGIN_FAILURES_PER_IP = 6
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    settings.LOGIN_LOCKOUT_MINUTES = 15
    clear_cache()
    yield settings
    clear_cache()


def make_staff(django_user_model):
    """The admin only lets staff in."""
    django_user_model.objects.update(is_staff=True)


def attempt(client, path, email, password, ip="203.0.113.7"):
    return client.post(path, {"username": email, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.parametrize("path", ["/inbox/login/", "/admin/login/"])
def test_an_account_is_locked_after_repeated_failures_even_for_the_right_password(
    client, acme, path, django_user_model
):
    make_staff(django_user_model)
    email = acme.owner.user.email
    for _ in range(3):
        r = attempt(client, path, email, "wrong")
        assert r.status_code == 200
    r = attempt(client, path, email, PASSWORD)
    assert r.status_code == 429
    assert "Too many failed sign-in attempts" in r.content.decode()
    assert int(r["Retry-After"]) == 15 * 60
    assert "_auth_user_id" not in client.session
    # From another address the account is still locked; another account is not.
    assert attempt(client, path, email, PASSWORD, ip="198.51.100.1").status_code == 429
    ok = attempt(client, path, acme.admin.user.email, PASSWORD)
    assert ok.status_code == 302


@pytest.mark.parametrize("path", ["/inbox/login/", "/admin/login/"])
def test_an_ip_is_locked_after_failures_across_accounts(
    client, acme, globex, path, django_user_model
):
    make_staff(django_user_model)
    for tenant in (acme, globex):
        for who in ("owner", "admin", "agent"):
            attempt(client, path, getattr(tenant, who).user.email, "wrong")
    r = attempt(client, path, acme.other_agent.user.email, PASSWORD)
    assert r.status_code == 429
    # Another address is not affected.
    assert (
        attempt(client, path, acme.other_agent.user.email, PASSWORD, ip="198.51.100.9").status_code
        == 302
    )


def test_a_success_clears_the_account_count(client, acme):
    email = acme.agent.user.email
    attempt(client, "/inbox/login/", email, "wrong")
    attempt(client, "/inbox/login/", email, "wrong")
    assert attempt(client, "/inbox/login/", email, PASSWORD).status_code == 302
    client.post("/inbox/logout/")
    attempt(client, "/inbox/login/", email, "wrong")
    attempt(client, "/inbox/login/", email, "wrong")
    assert attempt(client, "/inbox/login/", email, PASSWORD).status_code == 302


def test_limits_can_be_turned_off(client, acme, limits):
    limits.LOGIN_FAILURES_PER_IP = 0
    limits.LOGIN_FAILURES_PER_ACCOUNT = 0
    for _ in range(10):
        attempt(client, "/inbox/login/", acme.agent.user.email, "wrong")
    assert attempt(client, "/inbox/login/", acme.agent.user.email, PASSWORD).status_code == 302
