"""Error answers that don't depend on DEBUG or on which view failed.

- While the database is unreachable every request gets a 503 (JSON in the API's error shape)
  instead of a crash page. Each action runs in one transaction, so a failure mid-way leaves
  nothing half written; Django's connection health checks reconnect once it is back.
- Under /api/ every error is JSON, even Django's own 404/500 pages in DEBUG mode.
- Everywhere else (inbox, widget, admin) errors are PingBack's own minimal 400/404/500 pages,
  never Django's debug pages, whatever DEBUG says: those show settings and source to anyone.
"""

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.template import loader

from conversations.api.errors import body, database_unavailable, unavailable_response

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
