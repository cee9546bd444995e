"""Structured logs: one JSON line per request, socket connect/disconnect, delivery attempt and
task, each with the business, the conversation and a request id that follows the action into
its tasks (the in-process pool, and Celery workers through the message headers)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
import uuid

import httpx
import pytest
import socketio

from pingback import logging as logs
from tests.live import ROOT, AsgiServer, CeleryWorker, server_env
from tests.services import RedisServer, require_redis
from tests.webhooks.receiver import Receiver, Reply

DELIVER = "webhooks.tasks.deliver_webhook"


def json_lines(path) -> list[dict]:
    """The log lines of a server's output, each of which must be one JSON object.

    Not log lines: Celery's start-up banner, printed to stdout; the systemd units in deploy/
    turn it off (``celery --quiet worker``). The web server (pingback.server) logs only
    through LOGGING, with no access log.
    """
    lines = []
    for raw in path.read_text().splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))  # a log line that is not JSON fails the test here
    return lines


def wait_for_line(path, predicate, what: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        for line in json_lines(path):
            if predicate(line):
                return line
        if time.monotonic() > deadline:
            raise AssertionError(f"no log line for {what} in {path}")
        time.sleep(0.05)


# --- formatters (in process) --------------------------------------------------------------------


def record(msg="hello %s", args=("world",), **extra) -> logging.LogRecord:
    rec = logging.getLogger("pingback.test").makeRecord(
        "pingback.test", logging.INFO, __file__, 1, msg, args, None, extra=extra
    )
    return rec


def test_json_lines_carry_the_bound_context_and_extra_fields():
    with logs.bind(request_id="req-12345678", business_id="biz", conversation_id=None):
        line = json.loads(logs.JsonFormatter().format(record(event="request", status=201)))
    assert line["message"] == "hello world"
    assert line["level"] == "INFO" and line["logger"] == "pingback.test"
    assert line["request_id"] == "req-12345678" and line["business_id"] == "biz"
    assert "conversation_id" not in line  # None is not bound
    assert line["event"] == "request" and line["status"] == 201
    assert line["ts"].endswith("+00:00")
    assert logs.current() == {}  # the block's context is gone after it


def test_json_lines_keep_a_traceback_inside_the_line():
    try:
        raise ValueError("boom")
    except ValueError:
        rec = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    text = logs.JsonFormatter().format(rec)
    assert "\n" not in text
    assert "ValueError: boom" in json.loads(text)["exc_info"]


def test_text_lines_are_human_readable_with_the_context_at_the_end():
    with logs.bind(request_id="req-12345678", business_id="biz"):
        text = logs.TextFormatter().format(record(event="request"))
    assert " INFO pingback.test: hello world [" in text
    assert text.endswith("[request_id=req-12345678 business_id=biz event=request]")
    assert logs.TextFormatter().format(record()).endswith("pingback.test: hello world")


def test_only_sane_request_ids_are_taken_from_the_proxy():
    assert logs.valid_request_id("0123456789abcdef0123456789abcdef")
    for bad in (None, "", "short", "x" * 200, "has space in it", "new\nline-12345"):
        assert logs.valid_request_id(bad) is None


@pytest.mark.parametrize("value", ["xml", "JSONL"])
def test_a_wrong_log_format_stops_start_up(value):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**server_env(), "LOG_FORMAT": value},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "LOG_FORMAT must be json or text" in result.stderr


@pytest.mark.django_db
def test_every_request_answers_with_its_request_id(client):
    r = client.get("/healthz", HTTP_X_REQUEST_ID="from-nginx-0123456789")
    assert r["X-Request-ID"] == "from-nginx-0123456789"
    generated = client.get("/healthz", HTTP_X_REQUEST_ID="bad id")["X-Request-ID"]
    assert generated != "bad id" and len(generated) == 32


# --- a real server writing JSON lines ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
async def test_a_request_its_tasks_and_sockets_log_json_lines_with_one_request_id(acme):
    receiver = Receiver(Reply(200)).start()
    env = {
        "LOG_FORMAT": "json",
        "WEBHOOKS_ALLOW_PRIVATE_URLS": "true",
        "REDIS_URL": None,  # webhook attempts on the server's in-process pool
        "CELERY_BROKER_URL": None,
    }
    conv = await _run(acme.start, "Logged conversation")
    biz = acme.business.public_id
    try:
        with AsgiServer(**env) as server:
            headers = {"Authorization": f"Bearer {acme.raw_api_key}"}
            async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as api:
                r = await api.post(
                    "/api/v1/webhooks", json={"url": receiver.url, "events": ["message.created"]}
                )
                assert r.status_code == 201, r.text
                request_id = f"req-{uuid.uuid4().hex}"
                r = await api.post(
                    f"/api/v1/conversations/{conv.pk}/messages",
                    json={"content": "An answer", "agent_id": acme.agent.pk},
                    headers={"X-Request-ID": request_id},
                )
                assert r.status_code == 201, r.text
                assert r.headers["X-Request-ID"] == request_id
            receiver.wait_for(lambda got: len(got) == 1)

            widget = socketio.AsyncClient(reconnection=False)
            await widget.connect(
                server.url, auth={"business_id": biz}, transports=["websocket"], wait_timeout=30
            )
            sid = widget.get_sid()
            await widget.disconnect()

            log = server.log_path
            access = wait_for_line(
                log,
                lambda x: x.get("request_id") == request_id and x.get("event") == "request",
                "the request",
            )
            assert access["logger"] == "pingback.access"
            assert access["status"] == 201 and access["method"] == "POST"
            assert access["business_id"] == biz
            assert access["conversation_id"] == str(conv.pk)
            assert access["surface"] == "api" and access["duration_ms"] >= 0

            def of_request(event):
                return lambda x: x.get("request_id") == request_id and x.get("event") == event

            def delivery_task(event):
                return lambda x: of_request(event)(x) and x["task"] == DELIVER

            started = wait_for_line(log, delivery_task("task.start"), "the delivery task")
            attempt = wait_for_line(log, of_request("delivery.attempt"), "the delivery attempt")
            assert attempt["channel"] == "webhook" and attempt["outcome"] == "succeeded"
            assert attempt["business_id"] == biz and attempt["status_code"] == 200
            assert attempt["conversation_id"] == str(conv.pk)
            ended = wait_for_line(log, delivery_task("task.end"), "the end of the task")
            assert ended["state"] == "SUCCESS" and ended["task_id"] == started["task_id"]

            connect = wait_for_line(
                log,
                lambda x: x.get("event") == "socket.connect" and x.get("sid") == sid,
                "the socket connect",
            )
            assert connect["kind"] == "widget_customer" and connect["business_id"] == biz
            disconnect = wait_for_line(
                log,
                lambda x: x.get("event") == "socket.disconnect" and x.get("sid") == sid,
                "the socket disconnect",
            )
            assert disconnect["kind"] == "widget_customer"
            assert len(json_lines(log)) >= 6
    finally:
        receiver.stop()


async def _run(fn, *args):
    from channels.db import database_sync_to_async

    return await database_sync_to_async(fn)(*args)


# --- a Celery worker picks the request id up from the message headers ---------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_a_celery_task_logs_the_request_id_of_the_action_that_sent_it(settings):
    require_redis()
    settings.CELERY_TASK_ALWAYS_EAGER = False  # this test sends to a real worker
    redis_server = RedisServer().start()
    worker = CeleryWorker(
        f"logs{uuid.uuid4().hex[:6]}",
        {
            **server_env(REDIS_URL=redis_server.url, CELERY_BROKER_URL=redis_server.url),
            "LOG_FORMAT": "json",
        },
    )
    try:
        worker.start()
        deadline = time.monotonic() + 60
        while not _worker_ready(worker):
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.1)
        from kombu import Connection

        from conversations.tasks import prune_event_log

        request_id = f"req-{uuid.uuid4().hex}"
        with (
            Connection(redis_server.url) as conn,
            logs.bind(request_id=request_id, business_id="biz-1", conversation_id="42"),
        ):
            prune_event_log.apply_async(connection=conn)
        started = wait_for_line(
            worker.log_path,
            lambda x: x.get("event") == "task.start" and x.get("request_id") == request_id,
            "the task start in the worker",
            timeout=60,
        )
        assert started["task"] == "conversations.tasks.prune_event_log"
        assert started["business_id"] == "biz-1" and started["conversation_id"] == "42"
        ended = wait_for_line(
            worker.log_path,
            lambda x: x.get("event") == "task.end" and x.get("request_id") == request_id,
            "the task end in the worker",
        )
        assert ended["state"] == "SUCCESS"
    finally:
        worker.stop()
        redis_server.stop()


def _worker_ready(worker: CeleryWorker) -> bool:
    if worker.proc.poll() is not None:
        raise RuntimeError(f"celery worker exited: {worker.log_path.read_text()[-2000:]}")
    return " ready." in worker.log_path.read_text()
