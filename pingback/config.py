"""Reading PingBack's configuration from the environment.

Every setting that an operator may change is read here, validated, and reported in one
place, so a configuration that cannot work stops the process with a message that says
what to set instead of a traceback deep inside Django.
"""

import contextlib
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


SECRET_KEY_FILE = "pingback-secret.key"  # noqa: S105 - a file name, not a secret


def load_or_create_secret_key(data_dir) -> str:
    """The key kept in ``data_dir``, created (random, 0600) the first time it is needed.

    Several processes may start at once: the key is written to a temporary file and linked
    into place atomically, so every process reads the same complete key.
    """
    import secrets
    import tempfile
    from pathlib import Path

    path = Path(data_dir) / SECRET_KEY_FILE
    try:
        key = path.read_text().strip()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise ConfigError(f"Cannot read {path} ({exc}): set SECRET_KEY instead.") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret-")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50) + "\n")
            os.chmod(tmp, 0o600)
            # Another process may have won the race: then its key is the one used.
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
        return path.read_text().strip()
    except OSError as exc:
        raise ConfigError(
            f"Cannot create {path} ({exc}): set SECRET_KEY, or make the data directory writable."
        ) from None


LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]", "ip6-localhost"}


# ``python -m pingback.server`` as (file name, folder name): PingBack's own web server.
PINGBACK_SERVER = ("server.py", "pingback")


def _program(argv: list[str]) -> tuple[str, str]:
    """The program's file name and its folder's (``python -m pingback.server`` gives
    ``("server.py", "pingback")``)."""
    return os.path.basename(argv[0]), os.path.basename(os.path.dirname(argv[0]))


def is_server_command(argv: list[str]) -> bool:
    """Whether this process serves HTTP: PingBack's server, uvicorn, daphne, gunicorn or
    runserver."""
    if not argv:
        return False
    program, parent = _program(argv)
    return (
        (program, parent) == PINGBACK_SERVER
        or bool({program, parent} & {"uvicorn", "daphne", "gunicorn"})
        or (program == "manage.py" and argv[1:2] == ["runserver"])
    )


def server_bind_hosts(argv: list[str]) -> list[str]:
    """The addresses a server command line binds (PingBack's server, uvicorn, daphne,
    gunicorn, runserver)."""
    if not argv:
        return []
    program, parent = _program(argv)
    args = argv[1:]
    hosts: list[str] = []
    if "daphne" in (program, parent) or "gunicorn" in (program, parent):
        for i, arg in enumerate(args):
            if arg in ("-b", "--bind") and i + 1 < len(args):
                hosts.append(args[i + 1])
            elif arg.startswith("--bind="):
                hosts.append(arg.split("=", 1)[1])
            elif arg in ("-e", "--endpoint") and i + 1 < len(args):
                for part in args[i + 1].split(":"):
                    if part.startswith("interface="):
                        hosts.append(part.split("=", 1)[1].replace("\\", ""))
        if "gunicorn" in (program, parent):
            hosts = [h.rsplit(":", 1)[0] if h.count(":") == 1 else h for h in hosts]
    elif "uvicorn" in (program, parent) or (program, parent) == PINGBACK_SERVER:
        for i, arg in enumerate(args):
            if arg == "--host" and i + 1 < len(args):
                hosts.append(args[i + 1])
            elif arg.startswith("--host="):
                hosts.append(arg.split("=", 1)[1])
    elif program == "manage.py" and args[:1] == ["runserver"]:
        for arg in args[1:]:
            if not arg.startswith("-"):
                host = arg.rsplit(":", 1)[0] if ":" in arg and not arg.isdigit() else ""
                if host:
                    hosts.append(host)
    return [h for h in hosts if h]


def is_loopback(host: str) -> bool:
    import ipaddress

    host = host.strip("[]")
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


EMAIL_SCHEMES = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",  # plain, or STARTTLS with ?tls=true
    "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",  # STARTTLS (port 587)
    "smtps": "django.core.mail.backends.smtp.EmailBackend",  # TLS from the start (port 465)
    "console": "django.core.mail.backends.console.EmailBackend",  # printed in the server log
    "locmem": "django.core.mail.backends.locmem.EmailBackend",  # kept in memory (tests)
}


def parse_email_url(name: str, value: str) -> dict:
    """Django's email settings for an ``EMAIL_URL``.

    ``smtp://user:pass@host:port`` (plain; ``?tls=true`` for STARTTLS), ``smtp+tls://`` (STARTTLS,
    port 587 by default), ``smtps://`` (TLS, port 465), ``console://`` (the server log) or
    ``locmem://`` (memory). User and password are percent-decoded; ``?timeout=`` sets the
    connection timeout in seconds (default 10).
    """
    from urllib.parse import parse_qs, unquote

    parsed = urlparse(value.strip())
    scheme = parsed.scheme.lower()
    allowed = ", ".join(sorted(s + "://" for s in EMAIL_SCHEMES))
    if scheme not in EMAIL_SCHEMES:
        raise ConfigError(f"{name}={value!r} is not an email URL; expected one of {allowed}.")
    out: dict = {"EMAIL_BACKEND": EMAIL_SCHEMES[scheme]}
    if not scheme.startswith("smtp"):
        return out
    if not parsed.hostname:
        raise ConfigError(f"{name}={value!r} has no host: use {scheme}://user:pass@host:port.")
    query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    try:
        port = parsed.port
        timeout = float(query.get("timeout", "10"))
    except ValueError:
        raise ConfigError(f"{name}={value!r} has an invalid port or timeout.") from None
    use_tls = scheme == "smtp+tls" or query.get("tls", "").lower() in {"1", "true", "yes", "on"}
    use_ssl = scheme == "smtps"
    out.update(
        EMAIL_HOST=parsed.hostname,
        EMAIL_PORT=port or (465 if use_ssl else 587 if use_tls else 25),
        EMAIL_HOST_USER=unquote(parsed.username or ""),
        EMAIL_HOST_PASSWORD=unquote(parsed.password or ""),
        EMAIL_USE_TLS=use_tls,
        EMAIL_USE_SSL=use_ssl,
        EMAIL_TIMEOUT=timeout,
    )
    return out
