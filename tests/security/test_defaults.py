"""Insecure defaults (issue 21, item 5): secret key, debug mode on the network, debug pages."""

import os
import stat
import subprocess
import sys

import pytest
from django.test import override_settings
from django.urls import path

from pingback import urls as root_urls
from pingback.config import DEFAULT_SECRET_KEY, SECRET_KEY_FILE
from tests.live import ROOT, free_port


def crash(request):
    raise RuntimeError("boom: secret detail")


urlpatterns = [
    *root_urls.urlpatterns,
    path("inbox/_crash/", crash),
    path("widget/_crash/", crash),
    path("api/v1/_crash", crash),
]


def run(args, env_overrides, timeout=60):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "SQLITE_PATH"}
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


PRINT_KEY = [
    "-c",
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
    "'pingback.settings'); django.setup(); from django.conf import settings; "
    "print(settings.SECRET_KEY)",
]


def test_without_secret_key_a_random_key_is_generated_once_in_the_data_directory(tmp_path):
    env = {"SQLITE_PATH": str(tmp_path / "data" / "pingback.sqlite3")}
    first = run(PRINT_KEY, env)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert key != DEFAULT_SECRET_KEY and len(key) >= 50
    stored = tmp_path / "data" / SECRET_KEY_FILE
    assert stored.read_text().strip() == key
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert run(PRINT_KEY, env).stdout.strip() == key  # kept across restarts
    other = run(PRINT_KEY, {"SQLITE_PATH": str(tmp_path / "elsewhere" / "x.sqlite3")})
    assert other.stdout.strip() != key  # another installation, another key
    explicit = run(PRINT_KEY, {**env, "SECRET_KEY": "e" * 40})
    assert explicit.stdout.strip() == "e" * 40


def test_the_published_development_key_is_refused(tmp_path):
    result = run(["manage.py", "check"], {"SECRET_KEY": DEFAULT_SECRET_KEY})
    assert result.returncode == 2
    assert "published" in result.stderr


@pytest.mark.parametrize("bind", ["0.0.0.0", "192.0.2.10", "::"])
def test_debug_mode_refuses_to_listen_beyond_loopback(bind):
    result = run(["-m", "pingback.server", "--host", bind, "--port", str(free_port())], {})
    assert result.returncode == 2
    assert "DEBUG is on" in result.stderr and bind in result.stderr


def test_debug_mode_may_not_be_exposed_but_a_deployment_may(tmp_path):
    # Loopback with DEBUG on is fine; a non-loopback bind with DEBUG off and a key is fine.
    from pingback.config import is_loopback, is_server_command, server_bind_hosts

    # Which command lines serve (the DEBUG notice, the embedded beat without a broker).
    assert is_server_command(["/x/pingback/server.py", "--port", "8000"])
    assert is_server_command(["/x/uvicorn", "app"]) and is_server_command(
        ["manage.py", "runserver"]
    )
    assert not is_server_command(["manage.py", "migrate"])
    assert not is_server_command(["/x/celery", "-A", "pingback", "worker"])
    assert not is_server_command(["/x/other/server.py"]) and not is_server_command([])

    assert server_bind_hosts(["/x/pingback/server.py", "--host", "0.0.0.0"]) == ["0.0.0.0"]
    assert server_bind_hosts(["/x/pingback/server.py", "--port", "80"]) == []
    assert server_bind_hosts(["/x/daphne", "-b", "0.0.0.0", "app"]) == ["0.0.0.0"]
    assert server_bind_hosts(["/x/daphne/__main__.py", "--bind", "::", "app"]) == ["::"]
    assert server_bind_hosts(["/x/uvicorn", "--host=10.0.0.1", "app"]) == ["10.0.0.1"]
    assert server_bind_hosts(["manage.py", "runserver", "0.0.0.0:8000"]) == ["0.0.0.0"]
    assert server_bind_hosts(["manage.py", "runserver", "8000"]) == []
    assert server_bind_hosts(["/x/daphne", "-e", "tcp:8000:interface=0.0.0.0", "app"]) == [
        "0.0.0.0"
    ]
    assert is_loopback("127.0.0.1") and is_loopback("[::1]") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("::")
    result = run(
        ["manage.py", "check"],
        {"DEBUG": "false", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "chat.example.com"},
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("debug", [True, False])
@override_settings(ROOT_URLCONF=__name__)
def test_no_debug_pages_outside_the_api(client, settings, debug):
    settings.DEBUG = debug
    client.raise_request_exception = False
    for url in ("/inbox/_crash/", "/widget/_crash/"):
        r = client.get(url)
        assert r.status_code == 500
        page = r.content.decode()
        assert "Something went wrong" in page and "PingBack" in page
        assert "boom" not in page and "Traceback" not in page and "SECRET_KEY" not in page
    r = client.get("/widget/no-such-page/")
    assert r.status_code == 404
    page = r.content.decode()
    assert "Page not found" in page and "URLconf" not in page
    # The API stays JSON.
    r = client.get("/api/v1/_crash")
    assert r.status_code == 500 and r.json()["code"] == "INTERNAL_ERROR"
    assert client.get("/api/v1/nothing-here/").json()["code"] == "NOT_FOUND"
