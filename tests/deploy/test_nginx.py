"""The deployment of deploy/ tested: Debian's nginx, with deploy/nginx/pingback.conf.in
rendered for test ports, in front of three web processes and a Celery worker on a fresh
PostgreSQL database and a private Redis, configured like deploy/pingback.env.example
(DEBUG off, API_NUM_PROXIES=1, JSON logs, metrics). Every client goes through nginx's one
port, except agent sockets connected straight to each process, to show that what enters
through nginx reaches every process.
"""

from __future__ import annotations

import asyncio
import getpass
import itertools
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
import socketio

from tests.live import ROOT, free_port
from tests.scaleout.cluster import DEADLINE, Chat, Cluster, TopicWatcher, until
from tests.services import RedisServer, fresh_postgres_database, in_ci, require_redis

pytestmark = [pytest.mark.services, pytest.mark.timeout(300)]

METRICS_TOKEN = "nginx-test-metrics-token-0123456789"
ANON_RATE = 5
_ids = itertools.count(1)

MAIN_CONF = """\
# The main configuration Debian's /etc/nginx/nginx.conf stands for, with paths of the test.
{user}
worker_processes 1;
pid {prefix}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/pingback.conf;
}}
"""


def nginx_binary() -> str:
    binary = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if binary is None:
        message = "nginx is not installed (bin/test installs Debian's nginx-light)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return binary


class Nginx:
    """nginx in the foreground (daemon off) with its own prefix, stopped by ``stop()``."""

    def __init__(self, prefix: Path, site_conf: str, port: int):
        self.prefix, self.port = prefix, port
        prefix.mkdir(parents=True, exist_ok=True)
        (prefix / "pingback.conf").write_text(site_conf)
        user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
        (prefix / "nginx.conf").write_text(MAIN_CONF.format(prefix=prefix, user=user))
        self.command = [
            nginx_binary(),
            "-p",
            f"{prefix}/",
            "-c",
            str(prefix / "nginx.conf"),
            "-e",
            str(prefix / "error.log"),
            "-g",
            "daemon off;",
        ]
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Nginx:
        check = subprocess.run([*self.command, "-t"], capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, f"nginx -t refused the configuration:\n{check.stderr}"
        self.log = open(self.prefix / "nginx.out", "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(self.command, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {(self.prefix / 'error.log').read_text()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: fast shutdown of master and workers
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self.log.close()


def render_site(**options) -> str:
    args = [sys.executable, str(ROOT / "deploy" / "nginx" / "render.py")]
    for name, value in options.items():
        args += [f"--{name.replace('_', '-')}", str(value)]
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=30).stdout


@pytest.fixture(scope="module")
def redis_server():
    require_redis()
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def deployment(redis_server, tmp_path_factory):
    base = tmp_path_factory.mktemp("deploy")
    static_root, media_root, metrics_dir = base / "static", base / "media", base / "metrics"
    for directory in (media_root, metrics_dir):
        directory.mkdir()
    (media_root / "probe.txt").write_text("a media file\n")
    settings_env = {
        "DEBUG": "false",
        "SECRET_KEY": "nginx-test-secret-key-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "API_NUM_PROXIES": "1",
        "API_ANON_RATE_PER_MINUTE": str(ANON_RATE),
        "STATIC_ROOT": str(static_root),
        "METRICS_TOKEN": METRICS_TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "LOG_FORMAT": "json",
        "WEB_CONCURRENCY": "3",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": settings_env["SECRET_KEY"],
            "STATIC_ROOT": str(static_root),
        },
        check=True,
        timeout=180,
    )
    (static_root / "nginx-probe.txt").write_text("only nginx serves this\n")
    with fresh_postgres_database() as url:
        cluster = Cluster(url, redis_server.url, servers=3, workers=1)
        cluster.env.update(settings_env)
        cluster.start()
        port = free_port()
        nginx = None
        try:
            site = render_site(
                ports=",".join(str(s.port) for s in cluster.servers),
                server_name="127.0.0.1 localhost",
                listen=f"127.0.0.1:{port}",
                static_root=static_root,
                media_root=media_root,
            )
            nginx = Nginx(base / "nginx", site, port).start()
            yield SimpleNamespace(cluster=cluster, nginx=nginx, static_root=static_root)
        finally:
            if nginx is not None:
                nginx.stop()
            cluster.stop()


def person(name: str) -> dict:
    return {"name": name, "email": f"visitor{next(_ids)}@example.com"}


async def agents_on_every_process(cluster: Cluster) -> list[Chat]:
    return [await Chat(s.url).connect(cluster.agent_auth()) for s in cluster.servers]


async def converse(customer, agents, cluster, label: str) -> int:
    """The customer (through nginx) starts a conversation and the agent socket of every process
    joins it; the customer's next message reaches them all live, and an answer comes back."""
    ack = await customer.call(
        "client_message",
        {
            "content": f"Hello from {label}",
            "client_id": f"c{next(_ids)}",
            "customer_data": person(label),
        },
        timeout=DEADLINE,
    )
    assert ack["ok"], ack
    conv = ack["conversation_id"]
    for agent in agents:
        await agent.call("join_conversation", {"conversation_id": conv, "last_message_id": 0})
    ack = await customer.call(
        "client_message",
        {"conversation_id": conv, "content": "Anyone?", "client_id": f"c{next(_ids)}"},
        timeout=DEADLINE,
    )
    assert ack["ok"], ack
    message_id = ack["message"]["id"]
    await until(
        lambda: all(message_id in a.received[conv] for a in agents),
        what=f"the {label} message on an agent socket of every process",
    )
    reply = await agents[-1].call(
        "agent_message", {"conversation_id": conv, "content": "Hi!", "client_id": f"a{next(_ids)}"}
    )
    await until(
        lambda: reply["message"]["id"] in customer.received.get(conv, {}),
        what=f"the agent's reply to reach the {label} customer",
    )
    return conv


class Widget:
    """A widget customer through nginx: WebSocket or polling-only, recording new messages."""

    def __init__(self, url: str, transports: list[str]):
        self.url, self.transports = url, transports
        self.sio = socketio.AsyncClient(reconnection=False)
        self.received: dict[int, dict[int, dict]] = {}
        self.sio.on("new_message", self._on_message)

    async def _on_message(self, message):
        self.received.setdefault(message["conversation_id"], {})[message["id"]] = message

    async def connect(self, business_id: str) -> Widget:
        await self.sio.connect(
            self.url,
            auth={"business_id": business_id},
            transports=self.transports,
            wait_timeout=DEADLINE,
        )
        return self

    async def call(self, event, data, timeout):
        return await self.sio.call(event, data, timeout=timeout)

    async def close(self):
        if self.sio.connected:
            await self.sio.disconnect()


@pytest.mark.parametrize("transports", [["websocket"], ["polling"]], ids=["websocket", "polling"])
async def test_widget_through_nginx_reaches_agents_on_every_process(deployment, transports):
    cluster, nginx = deployment.cluster, deployment.nginx
    agents = await agents_on_every_process(cluster)
    customer = await Widget(nginx.url, transports).connect(cluster.business_id)
    try:
        assert customer.sio.transport() == transports[0]
        conv = await converse(customer, agents, cluster, transports[0])
        # The conversation is stored once, with both messages: REST through nginx.
        async with httpx.AsyncClient(base_url=nginx.url, timeout=30) as http:
            r = await http.get(
                f"/api/v1/conversations/{conv}/messages",
                headers={"Authorization": f"Bearer {cluster.info['api_key']}"},
            )
        assert r.status_code == 200, r.text
        assert r.headers["X-Request-ID"]  # nginx's $request_id, echoed by PingBack
        items = next(v for v in r.json().values() if isinstance(v, list))
        expected = [f"Hello from {transports[0]}", "Anyone?", "Hi!"]
        contents = [m["content"] for m in sorted(items, key=lambda m: m["id"])]
        assert [c for c in contents if c in expected] == expected  # AI notices aside
    finally:
        await customer.close()
        for agent in agents:
            await agent.close()


async def test_topics_api_and_event_stream_websockets_through_nginx(deployment):
    cluster, nginx = deployment.cluster, deployment.nginx
    watcher = await TopicWatcher(
        SimpleNamespace(port=nginx.port), cluster.token, cluster.business_id
    ).open()
    from websockets.asyncio.client import connect

    stream = await connect(f"ws://127.0.0.1:{nginx.port}/ws", open_timeout=DEADLINE)
    customer = await Widget(nginx.url, ["websocket"]).connect(cluster.business_id)
    try:
        import json

        await stream.send(json.dumps({"type": "auth", "apiKey": cluster.info["api_key"]}))
        assert json.loads(await asyncio.wait_for(stream.recv(), DEADLINE))["type"] == "auth.ok"
        ack = await customer.call(
            "client_message",
            {"content": "Topics?", "client_id": f"c{next(_ids)}", "customer_data": person("T")},
            timeout=DEADLINE,
        )
        conv = ack["conversation_id"]
        await until(lambda: str(conv) in watcher.created, what="the topic CREATE through nginx")
        seen = set()
        while "message.created" not in seen:
            frame = json.loads(await asyncio.wait_for(stream.recv(), DEADLINE))
            seen.add(frame["type"])
        assert "session.created" in seen
    finally:
        await customer.close()
        await stream.close()
        await watcher.close()


async def test_inbox_login_and_conversation_pages_through_nginx(deployment):
    cluster, nginx = deployment.cluster, deployment.nginx
    async with httpx.AsyncClient(base_url=nginx.url, timeout=30) as http:
        page = await http.get("/inbox/login/")
        assert page.status_code == 200 and 'name="password"' in page.text
        assert page.headers["Server"].startswith("nginx")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        r = await http.post(
            "/inbox/login/",
            data={
                "csrfmiddlewaretoken": token,
                "username": cluster.info["owner"]["email"],
                "password": cluster.PASSWORD,
                "next": "/inbox/",
            },
            headers={"Referer": f"{nginx.url}/inbox/login/"},
        )
        assert r.status_code == 302, r.text[:500]
        assert r.headers["Location"] == "/inbox/"
        inbox = await http.get("/inbox/")
        assert inbox.status_code == 200
        assert "widget/widget.js" in inbox.text or "/static/" in inbox.text


async def test_static_and_media_files_are_served_by_nginx(deployment):
    nginx = deployment.nginx
    async with httpx.AsyncClient(base_url=nginx.url, timeout=30) as http:
        widget = await http.get("/static/widget/widget.js")
        assert widget.status_code == 200
        assert widget.content == (ROOT / "static" / "widget" / "widget.js").read_bytes()
        assert "javascript" in widget.headers["Content-Type"]
        assert widget.headers["Expires"]  # nginx's "expires", not WhiteNoise
        probe = await http.get("/static/nginx-probe.txt")  # only in STATIC_ROOT
        assert probe.status_code == 200 and probe.text == "only nginx serves this\n"
        assert (await http.get("/static/nope.js")).status_code == 404
        media = await http.get("/media/probe.txt")
        assert media.status_code == 200 and media.text == "a media file\n"
        assert media.headers["Content-Disposition"] == "attachment"
        assert media.headers["X-Content-Type-Options"] == "nosniff"
    # No static request reached a web process.
    for server in deployment.cluster.servers:
        assert "/static/" not in server.log_path.read_text()


async def test_metrics_through_nginx_add_up_every_process(deployment):
    cluster, nginx = deployment.cluster, deployment.nginx
    agents = await agents_on_every_process(cluster)
    try:
        async with httpx.AsyncClient(base_url=nginx.url, timeout=30) as http:
            assert (await http.get("/metrics")).status_code == 401
            r = await http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert r.status_code == 200
        text = r.text
        assert 'pingback_sockets_connected{kind="widget_agent"} 3.0' in text
        assert re.search(r'pingback_celery_queue_depth\{queue="celery"\} \d', text)
        assert "pingback_outbox_backlog 0.0" in text
    finally:
        for agent in agents:
            await agent.close()


async def test_client_address_comes_from_nginx_not_from_a_spoofed_header(deployment):
    """API_NUM_PROXIES=1 trusts the address nginx appends: rotating a forged X-Forwarded-For
    does not escape the anonymous rate limit. (Last in the module: it uses the limit up.)"""
    nginx = deployment.nginx
    statuses = []
    async with httpx.AsyncClient(base_url=nginx.url, timeout=30) as http:
        for i in range(ANON_RATE + 3):
            r = await http.get(
                "/api/v1/conversations", headers={"X-Forwarded-For": f"203.0.113.{i}"}
            )
            statuses.append(r.status_code)
    assert 429 in statuses, statuses
    assert set(statuses) <= {401, 429}
