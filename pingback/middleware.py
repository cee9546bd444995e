"""Error answers that don't depend on DEBUG or on which view failed.

- While the database is unreachable every request gets a 503 (JSON in the API's error shape)
  instead of a crash page. Each action runs in one transaction, so a failure mid-way leaves
  nothing half written; Django's connection health checks reconnect once it is back.
- Under /api/ every error is JSON, even Django's own 404/500 pages in DEBUG mode.
- Everywhere else (inbox, widget, admin) errors are PingBack's own minimal 400/404/500 pages,
  never Django's debug pages, whatever DEBUG says: those show settings and source to anyone.
"""

import logging
import time

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.template import loader

from conversations.api.errors import body, database_unavailable, unavailable_response
from pingback import logging as logs
from pingback import metrics

logger = logging.getLogger(__name__)


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def is_debug_page(response) -> bool:
    """Django's technical 404/500 pages (DEBUG): they carry this robots meta tag."""
    return response.get("Content-Type", "").startswith("text/html") and (
        b'content="NONE,NOARCHIVE"' in getattr(response, "content", b"")
    )


def page(status: int):
    from django.http import HttpResponse

    return HttpResponse(loader.render_to_string(f"{status}.html"), status=status)


class ErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            is_api(request)
            and response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return JsonResponse(body(404, "No such endpoint.", "NOT_FOUND"), status=404)
        if (
            settings.DEBUG
            and not is_api(request)
            and response.status_code in (400, 404, 500)
            and is_debug_page(response)
        ):
            return page(response.status_code)
        return response

    def process_exception(self, request, exception):
        if database_unavailable(exception):
            return unavailable_response()
        if is_api(request):
            logger.exception("unhandled error on %s", request.path, exc_info=exception)
            return JsonResponse(
                body(500, "Something went wrong on our side.", "INTERNAL_ERROR"), status=500
            )
        if not settings.DEBUG:
            return None  # Django's handlers render the same pages (pingback/errors.py)
        if isinstance(exception, Http404):
            return page(404)
        if isinstance(exception, (SuspiciousOperation, BadRequest)):
            return page(400)
        if isinstance(exception, PermissionDenied):
            return None  # Django's 403 page shows no debug information
        logger.exception("unhandled error on %s", request.path, exc_info=exception)
        return page(500)


def _conversation_id(request) -> str | None:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    kwargs = match.kwargs
    if "conv_id" in kwargs:
        return str(kwargs["conv_id"])
    if "session_id" in kwargs:
        return str(kwargs["session_id"])
    if "pk" in kwargs and request.path.startswith("/api/v1/conversations/"):
        return str(kwargs["pk"])
    return None


def _business_id(request) -> str | None:
    caller = getattr(request, "auth", None)  # DRF copies its authentication result here
    business = getattr(caller, "business", None)
    return getattr(business, "public_id", None)


class RequestMiddleware:
    """Outermost: a request id (nginx's X-Request-ID, or a new one) bound to the log context
    for everything the request does, one access log line, and the latency histogram."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = logs.valid_request_id(request.headers.get("X-Request-ID"))
        request_id = request_id or logs.new_request_id()
        started = time.monotonic()
        with logs.bind(request_id=request_id):
            response = self.get_response(request)
            seconds = time.monotonic() - started
            metrics.http_request(request.path, response.status_code, seconds)
            logs.update(
                business_id=_business_id(request), conversation_id=_conversation_id(request)
            )
            logs.access.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "event": "request",
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1),
                    "surface": metrics.surface(request.path),
                },
            )
        response["X-Request-ID"] = request_id
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Known before the view runs, so tasks it enqueues carry it too.
        logs.update(conversation_id=_conversation_id(request))
