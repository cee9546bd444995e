"""Reading PingBack's configuration from the environment.

Every setting that an operator may change is read here, validated, and reported in one
place, so a configuration that cannot work stops the process with a message that says
what to set instead of a traceback deep inside Django.
"""

import os
import sys
from urllib.parse import urlparse

DEFAULT_SECRET_KEY = "pingback-insecure-dev-key-change-me"  # noqa: S105 - the documented dev default


class ConfigError(Exception):
    """Raised with every problem found, one per line."""


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean: use true or false.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def check_url(name: str, value: str, schemes: set[str]) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not (parsed.hostname or parsed.path):
        allowed = ", ".join(sorted(s + "://" for s in schemes))
        raise ConfigError(f"{name}={value!r} is not a valid URL; expected one of {allowed}.")
    return value


def fail(errors: list[str]) -> None:
    """Stop start-up with a readable message (no traceback)."""
    lines = "\n".join(f"  - {e}" for e in errors)
    sys.stderr.write(
        "PingBack cannot start: its configuration does not work.\n"
        f"{lines}\n"
        "See the configuration table in README.md.\n"
    )
    raise SystemExit(2)
