"""Prometheus metrics, served at ``/metrics`` (docs/operations.md, "Metrics").

Adapters call the small functions below (``socket_connected``, ``webhook_attempt``, …); the
scrape adds what is cheaper to compute on demand (outbox backlog, Celery queue depth).

Several processes (web processes, Celery workers) share one view of the counters through
prometheus_client's multiprocess mode: set ``PROMETHEUS_MULTIPROC_DIR`` to a directory every
process can write, emptied before they start (deploy/systemd does). Without it each process
counts for itself, which is right for the embedded single-process default.

``/metrics`` answers 404 unless ``METRICS_TOKEN`` is set, then wants
``Authorization: Bearer <METRICS_TOKEN>``.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

SOCKET_KINDS = ("widget_customer", "widget_agent", "topics", "event_stream")
SURFACES = ("api", "inbox", "widget", "admin", "metrics", "other")

_sockets = Gauge(
    "pingback_sockets_connected",
    "Open realtime connections by kind (widget_customer, widget_agent, topics, event_stream).",
    ["kind"],
    multiprocess_mode="livesum",
)
_messages = Counter("pingback_messages_stored", "Messages written, on every surface.")
_events = Counter(
    "pingback_events_dispatched", "Domain events fanned out after commit, by type.", ["type"]
)
_lag = Histogram(
    "pingback_event_dispatch_lag_seconds",
    "Seconds from an event's publish to its delivery to subscribers (the realtime loop).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
_deliveries = Counter(
    "pingback_delivery_attempts",
    "Outgoing delivery attempts (channel: webhook, …) by outcome "
    "(succeeded, failed: an answer that is not 2xx, error: no answer).",
    ["channel", "outcome"],
)
_http = Histogram(
    "pingback_http_request_duration_seconds",
    "Django request latency by surface (api, inbox, widget, admin, metrics, other) "
    "and status class.",
    ["surface", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


# --- what adapters and the pipeline call ---------------------------------------------------


def socket_connected(kind: str) -> None:
    _sockets.labels(kind).inc()


def socket_disconnected(kind: str) -> None:
    _sockets.labels(kind).dec()


def message_stored(count: int = 1) -> None:
    _messages.inc(count)


def event_dispatched(event_type: str, lag_seconds: float | None = None) -> None:
    _events.labels(event_type).inc()
    if lag_seconds is not None:
        dispatch_lag(lag_seconds)


def dispatch_lag(seconds: float) -> None:
    """Seconds from an event's publish to its subscribers (conversations.events.pipeline)."""
    _lag.observe(max(0.0, seconds))


def delivery_attempt(channel: str, outcome: str) -> None:
    _deliveries.labels(channel, outcome).inc()


def webhook_attempt(outcome: str) -> None:
    delivery_attempt("webhook", outcome)


def surface(path: str) -> str:
    for prefix, name in (
        ("/api/", "api"),
        ("/inbox/", "inbox"),
        ("/widget/", "widget"),
        ("/static/widget/", "widget"),
        ("/admin/", "admin"),
        ("/metrics", "metrics"),
    ):
        if path.startswith(prefix):
            return name
    return "other"


def http_request(path: str, status: int, seconds: float) -> None:
    _http.labels(surface(path), f"{status // 100}xx").observe(seconds)


# --- computed at scrape --------------------------------------------------------------------


_scrape_gauges: dict[str, tuple[str, Callable[[], float]]] = {}


def scrape_gauge(name: str, documentation: str, read: Callable[[], float]) -> None:
    """Report ``read()`` as the gauge ``name`` at every scrape. Apps register their own in
    ``AppConfig.ready`` (the webhooks app: ``pingback_outbox_backlog``), so this module
    imports no app."""
    _scrape_gauges[name] = (documentation, read)


class ScrapeCollector:
    """Gauges read from the database and the broker when Prometheus scrapes."""

    def collect(self):
        for name, (documentation, read) in sorted(_scrape_gauges.items()):
            family = GaugeMetricFamily(name, documentation)
            try:
                family.add_metric([], read())
            except Exception:  # a scrape must answer even while the database is down
                logger.warning("metrics: %s unavailable", name, exc_info=True)
            yield family
        depths = celery_queue_depths()
        if depths is not None:
            family = GaugeMetricFamily(
                "pingback_celery_queue_depth", "Tasks waiting in a Celery queue.", labels=["queue"]
            )
            for queue, depth in sorted(depths.items()):
                family.add_metric([queue], depth)
            yield family


def celery_queue_depths() -> dict[str, int] | None:
    """Waiting tasks per queue on a Redis broker; None without one (or when unreachable)."""
    from django.conf import settings

    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or not url.startswith(("redis://", "rediss://")):
        return None
    import redis

    queues = sorted({"celery", settings.WEBHOOKS_CELERY_QUEUE})
    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            return {queue: int(client.llen(queue)) for queue in queues}
        finally:
            client.close()
    except redis.RedisError:
        logger.warning("metrics: Celery queue depth unavailable", exc_info=True)
        return None


# --- multiprocess bookkeeping and the exposition ---------------------------------------------

_PID_FILE = re.compile(r"^gauge_live\w+_(\d+)\.db$")


def multiproc_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def forget_dead_processes() -> None:
    """Drop live gauges (open sockets) of processes that are gone, even killed ones."""
    directory = multiproc_dir()
    if not directory:
        return
    pids = set()
    for entry in Path(directory).glob("gauge_live*.db"):
        match = _PID_FILE.match(entry.name)
        if match:
            pids.add(int(match.group(1)))
    for pid in pids:
        if pid == os.getpid() or _alive(pid):
            continue
        with contextlib.suppress(OSError):
            multiprocess.mark_process_dead(pid, directory)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def exposition() -> tuple[bytes, str]:
    """The text a scrape gets, and its content type."""
    if multiproc_dir():
        forget_dead_processes()
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_DefaultRegistry())
    registry.register(ScrapeCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _DefaultRegistry:
    """This process's own metrics (single-process mode)."""

    def collect(self):
        yield from REGISTRY.collect()


def authorized(header: str, token: str) -> bool:
    scheme, _, presented = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        presented.strip().encode(), token.encode()
    )


def view(request):
    """``GET /metrics``: 404 while METRICS_TOKEN is unset, 401 without the right bearer token."""
    from django.conf import settings
    from django.http import Http404, HttpResponse

    token = settings.METRICS_TOKEN
    if not token:
        raise Http404("metrics are disabled")
    if not authorized(request.headers.get("Authorization", ""), token):
        response = HttpResponse("Send Authorization: Bearer <METRICS_TOKEN>.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = exposition()
    return HttpResponse(body, content_type=content_type)
