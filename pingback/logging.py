"""Structured logs: one line per request, socket connect/disconnect, delivery attempt and task.

``LOG_FORMAT=json`` (the default with ``DEBUG=false``) writes one JSON object per line;
``text`` (the default in development) the same facts, human readable. Every line carries the
context of the work it belongs to — ``request_id``, ``business_id``, ``conversation_id`` — held
in context variables: the request middleware and the socket handlers bind them, and a task
enqueued meanwhile carries them along (Celery message headers, or the in-process pool), so
the task's lines share the request id of the action that caused them.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime

from pingback import metrics

CONTEXT_FIELDS = ("request_id", "business_id", "conversation_id")
HEADER = "pingback_log_context"  # the Celery message header carrying the context
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "pingback_log_context", default=None
)

# Attributes every LogRecord has: anything else on a record is an extra field to write.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}

access = logging.getLogger("pingback.access")
sockets = logging.getLogger("pingback.sockets")
tasks = logging.getLogger("pingback.tasks")
deliveries = logging.getLogger("pingback.deliveries")


# --- context ---------------------------------------------------------------------------------


def new_request_id() -> str:
    return uuid.uuid4().hex


def valid_request_id(value: str | None) -> str | None:
    """An incoming ``X-Request-ID`` (nginx's ``$request_id``) if it is a sane token."""
    if value and _REQUEST_ID_RE.match(value):
        return value
    return None


def current() -> dict:
    """The bound context (a copy), without unset fields."""
    return dict(_context.get() or {})


@contextmanager
def bind(**fields):
    """Add fields to the log context for the duration of the block (None values are skipped)."""
    merged = {**(_context.get() or {}), **{k: v for k, v in fields.items() if v is not None}}
    token = _context.set(merged)
    try:
        yield merged
    finally:
        _context.reset(token)


def update(**fields) -> None:
    """Add fields to the context already bound (a view learning the business it serves)."""
    ctx = _context.get()
    if ctx is not None:
        ctx.update({k: v for k, v in fields.items() if v is not None})


# --- formatters -----------------------------------------------------------------------------


def _fields(record: logging.LogRecord) -> dict:
    fields = current()
    for key, value in vars(record).items():
        if key not in _STANDARD and not key.startswith("_"):
            fields[key] = value
    return fields


class JsonFormatter(logging.Formatter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Python warnings go through logging too, so every line of the output is JSON.
        logging.captureWarnings(True)

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``2026-01-01 10:00:00,000 INFO pingback.access: GET /inbox/ 200 [request_id=… …]``"""

    def __init__(self, fmt=None, datefmt=None, style="%", validate=True, **kwargs):
        super().__init__(
            fmt or "%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt, style, validate
        )

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = _fields(record)
        if not fields:
            return text
        extra = " ".join(f"{k}={v}" for k, v in fields.items())
        head, sep, tail = text.partition("\n")  # keep a traceback below the fields
        return f"{head} [{extra}]{sep}{tail}"


# --- the structured lines ---------------------------------------------------------------------


def socket_event(event: str, kind: str, sid: str, **fields) -> None:
    """``connect`` / ``disconnect`` of a realtime connection (kind as in pingback.metrics)."""
    sockets.info(
        "socket %s %s",
        event,
        kind,
        extra={"event": f"socket.{event}", "kind": kind, "sid": sid, **_clean(fields)},
    )


class OpenSocket:
    """A counted, logged realtime connection: ``closed()`` undoes ``socket_opened``."""

    def __init__(self, kind: str, sid: str, fields: dict):
        self.kind, self.sid, self.fields, self.open = kind, sid, fields, True

    def closed(self, **fields) -> None:
        if self.open:
            self.open = False

            metrics.socket_disconnected(self.kind)
            socket_event("disconnect", self.kind, self.sid, **{**self.fields, **fields})


def socket_opened(kind: str, sid: str | None = None, **fields) -> OpenSocket:
    """Count (metrics) and log a realtime connection that was accepted."""

    sid = sid or uuid.uuid4().hex[:16]
    metrics.socket_connected(kind)
    socket_event("connect", kind, sid, **fields)
    return OpenSocket(kind, sid, _clean(fields))


def delivery_attempt(channel: str, outcome: str, **fields) -> None:
    """Count (metrics) and log one outgoing delivery attempt (channel: webhook, …)."""

    metrics.delivery_attempt(channel, outcome)
    deliveries.info(
        "%s delivery attempt %s",
        channel,
        outcome,
        extra={"event": "delivery.attempt", "channel": channel, "outcome": outcome}
        | _clean(fields),
    )


def _clean(fields: dict) -> dict:
    return {k: v for k, v in fields.items() if v is not None}


# --- Celery: carry the context in task headers, log each task --------------------------------

_task_started: dict[str, tuple[float, contextvars.Token]] = {}


def _before_publish(sender=None, headers=None, **kwargs):
    ctx = current()
    if headers is not None and ctx:
        headers.setdefault(HEADER, ctx)


def _prerun(sender=None, task_id=None, task=None, **kwargs):
    incoming = getattr(task.request, HEADER, None) if task is not None else None
    if not isinstance(incoming, dict):
        incoming = {}
    ctx = {**current(), **{k: v for k, v in incoming.items() if k in CONTEXT_FIELDS}}
    ctx.setdefault("request_id", new_request_id())
    token = _context.set(ctx)
    _task_started[task_id] = (time.monotonic(), token)
    tasks.info(
        "task %s started",
        getattr(task, "name", sender),
        extra={"event": "task.start", "task": getattr(task, "name", None), "task_id": task_id},
    )


def _postrun(sender=None, task_id=None, task=None, state=None, **kwargs):
    started, token = _task_started.pop(task_id, (None, None))
    duration = round((time.monotonic() - started) * 1000, 1) if started else None
    tasks.info(
        "task %s %s",
        getattr(task, "name", sender),
        (state or "done").lower(),
        extra={
            "event": "task.end",
            "task": getattr(task, "name", None),
            "task_id": task_id,
            "state": state,
            "duration_ms": duration,
        },
    )
    if token is not None:
        try:
            _context.reset(token)
        except ValueError:  # set in another context (an eager task run elsewhere)
            _context.set(None)


def connect_celery_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(_before_publish, weak=False, dispatch_uid="pb-log-pub")
    signals.task_prerun.connect(_prerun, weak=False, dispatch_uid="pb-log-prerun")
    signals.task_postrun.connect(_postrun, weak=False, dispatch_uid="pb-log-postrun")
