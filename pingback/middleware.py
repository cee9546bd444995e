"""Error answers that don't depend on DEBUG or on which view failed.

- While the database is unreachable every request gets a 503 (JSON in the API's error shape)
  instead of a crash page. Each action runs in one transaction, so a failure mid-way leaves
  nothing half written; Django's connection health checks reconnect once it is back.
- Under /api/ every error is JSON, even Django's own 404/500 pages in DEBUG mode.
"""

import logging

from django.http import JsonResponse

from conversations.api.errors import body, database_unavailable, unavailable_response

logger = logging.getLogger(__name__)


def is_api(request) -> bool:
    return request.path.startswith("/api/")


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
        return response

    def process_exception(self, request, exception):
        if database_unavailable(exception):
            return unavailable_response()
        if is_api(request):
            logger.exception("unhandled error on %s", request.path, exc_info=exception)
            return JsonResponse(
                body(500, "Something went wrong on our side.", "INTERNAL_ERROR"), status=500
            )
        return None
