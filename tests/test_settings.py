"""A configuration that cannot work stops with a message, not a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def check(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "WEB_CONCURRENCY"}
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "env,message",
    [
        ({"DEBUG": "false"}, "SECRET_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": "short"}, "shorter than 32"),
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL='mysql://x/y' is not a valid URL"),
        ({"REDIS_URL": "http://localhost"}, "REDIS_URL='http://localhost' is not a valid URL"),
        ({"WEB_CONCURRENCY": "4"}, "WEB_CONCURRENCY=4 needs REDIS_URL"),
        ({"JWT_ACCESS_MINUTES": "soon"}, "JWT_ACCESS_MINUTES='soon' is not an integer"),
        ({"EMAIL_URL": "smtp:///nohost"}, "EMAIL_URL='smtp:///nohost' has no host"),
        ({"EMAIL_URL": "sendmail://x"}, "EMAIL_URL='sendmail://x' is not an email URL"),
    ],
)
def test_broken_configuration_fails_with_a_message(env, message):
    result = check(env)
    assert result.returncode == 2
    assert "PingBack cannot start" in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_default_configuration_is_valid():
    result = check({})
    assert result.returncode == 0, result.stderr


def test_production_configuration_is_valid():
    result = check(
        {
            "DEBUG": "false",
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "chat.example.com",
            "DATABASE_URL": "postgres://u@db/pingback",
            "REDIS_URL": "redis://r:6379/0",
            "WEB_CONCURRENCY": "4",
        }
    )
    assert result.returncode == 0, result.stderr


def test_webhook_lease_must_outlast_an_attempt():
    result = check({"WEBHOOKS_TIMEOUT_SECONDS": "30", "WEBHOOKS_LEASE_SECONDS": "30"})
    assert result.returncode == 2
    assert "WEBHOOKS_LEASE_SECONDS=30 must be at least 2 seconds longer" in result.stderr
    assert check({"WEBHOOKS_TIMEOUT_SECONDS": "30", "WEBHOOKS_LEASE_SECONDS": "32"}).returncode == 0
