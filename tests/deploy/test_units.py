"""deploy/: the systemd units and the example environment file hold together.

The nginx configuration is exercised for real in test_nginx.py; here, the units' commands
name programs and options that exist, and the example environment is a configuration
PingBack accepts once its placeholders are filled in.
"""

from __future__ import annotations

import configparser
import os
import re
import shlex
import subprocess
import sys

import pytest

from tests.live import ROOT

DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
VENV_BIN = "/srv/pingback/.venv/bin/"


def unit(path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path)
    return parser


def exec_starts(path) -> list[str]:
    return [
        line.split("=", 1)[1]
        for line in path.read_text().splitlines()
        if line.startswith("ExecStart=")
    ]


def example_env(tmp_path) -> dict:
    env = {}
    for line in (DEPLOY / "pingback.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    return env


def test_every_unit_reads_the_environment_file_and_runs_as_pingback():
    names = {p.name for p in UNITS}
    assert {
        "pingback-web@.service",
        "pingback-worker.service",
        "pingback-beat.service",
        "pingback-prepare.service",
    } <= names
    for path in UNITS:
        service = unit(path)["Service"]
        assert service["EnvironmentFile"] == "/etc/pingback/pingback.env", path.name
        assert service["User"] == "pingback" and service["WorkingDirectory"] == "/srv/pingback"
        assert unit(path)["Install"]["WantedBy"] == "pingback.target"


def test_unit_commands_are_real_programs_and_options():
    for path in UNITS:
        for command in exec_starts(path):
            if command.startswith("+"):
                continue  # the root shell step of pingback-prepare
            argv = shlex.split(command.replace("%i", "8001"))
            assert argv[0].startswith(VENV_BIN), command
            program = ROOT / ".venv" / "bin" / argv[0][len(VENV_BIN) :]
            assert program.exists(), command
            if argv[0].endswith("/celery"):
                # The same program and options, asked for help: unknown options fail here.
                subcommand = argv.index("worker") if "worker" in argv else argv.index("beat")
                check = [str(program), *argv[1 : subcommand + 1], "--help"]
            elif argv[0].endswith("/python") and argv[1:3] == ["-m", "pingback.server"]:
                # The web process: its options, asked for help (unknown options fail here).
                check = [str(program), *argv[1:], "--help"]
                assert argv[argv.index("--host") + 1] == "127.0.0.1"
            else:
                continue  # manage.py commands are run by the test suite all the time
            result = subprocess.run(check, cwd=ROOT, capture_output=True, text=True, timeout=60)
            assert result.returncode == 0, (command, result.stderr[-1000:])


def test_the_example_environment_is_a_configuration_pingback_accepts(tmp_path):
    env = example_env(tmp_path)
    assert env["DEBUG"] == "false" and env["API_NUM_PROXIES"] == "1"
    env.update(
        SECRET_KEY="x" * 50,
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
        STATIC_ROOT=str(tmp_path / "static"),
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_every_example_setting_is_documented_in_the_readme(tmp_path):
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.M))
    env = example_env(tmp_path)
    commented = re.findall(r"^# ([A-Z_]+)=", (DEPLOY / "pingback.env.example").read_text(), re.M)
    missing = (set(env) | set(commented)) - documented
    assert not missing, f"add these to the README configuration table: {sorted(missing)}"


@pytest.mark.parametrize("ports", ["8001-8003", "8001,8002,8003"])
def test_render_lists_every_port_in_both_upstreams(ports):
    result = subprocess.run(
        [sys.executable, str(DEPLOY / "nginx" / "render.py"), "--ports", ports],
        capture_output=True,
        text=True,
        check=True,
    )
    for port in (8001, 8002, 8003):
        assert result.stdout.count(f"server 127.0.0.1:{port} ") == 2
    assert "@" not in re.sub(r"#.*", "", result.stdout)


def test_render_with_tls_redirects_plain_http():
    result = subprocess.run(
        [
            sys.executable,
            str(DEPLOY / "nginx" / "render.py"),
            "--server-name",
            "chat.example.com",
            "--tls-cert",
            "/etc/ssl/chat.pem",
            "--tls-key",
            "/etc/ssl/chat.key",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "listen 443 ssl http2;" in result.stdout
    assert "return 301 https://$host$request_uri;" in result.stdout
    refused = subprocess.run(
        [sys.executable, str(DEPLOY / "nginx" / "render.py"), "--tls-cert", "/x"],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2 and "--tls-key" in refused.stderr


def test_the_grafana_dashboard_queries_only_metrics_pingback_exports():
    import json

    from prometheus_client import REGISTRY

    import pingback.metrics  # noqa: F401 - registers the metrics

    exported = {
        sample
        for family in REGISTRY.collect()
        if family.name.startswith("pingback_")
        for sample in (
            family.name,
            f"{family.name}_total",
            f"{family.name}_bucket",
            f"{family.name}_count",
            f"{family.name}_sum",
        )
    } | {"pingback_outbox_backlog", "pingback_celery_queue_depth"}  # computed at scrape
    dashboard = json.loads((DEPLOY / "grafana" / "pingback-dashboard.json").read_text())
    queried = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"pingback_[a-z_]+", target["expr"])
    }
    assert queried and queried <= exported, queried - exported
