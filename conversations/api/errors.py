"""Every error under /api/ is ``{"error", "message", "code"}`` (plus ``details`` when useful)."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from conversations import errors
from conversations.api.parsers import PayloadTooLarge

logger = logging.getLogger(__name__)

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    429: "Rate limited",
    500: "Internal server error",
    503: "Service unavailable",
}


def body(status: int, message: str, code: str, details=None) -> dict:
    data = {"error": TITLES.get(status, "Error"), "message": message, "code": code}
    if details:
        data["details"] = details
    return data


UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: BaseException) -> bool:
    """True for errors meaning "cannot reach the database", not for bad queries."""
    return isinstance(exc, UNAVAILABLE) or (
        isinstance(exc, DatabaseError) and isinstance(exc.__cause__, UNAVAILABLE)
    )


def unavailable_response() -> JsonResponse:
    response = JsonResponse(
        body(503, "The database is unreachable; retry shortly.", "SERVICE_UNAVAILABLE"),
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _first_message(detail) -> str:
    if isinstance(detail, dict):
        for field, value in detail.items():
            inner = _first_message(value)
            return inner if field == "non_field_errors" else f"{field}: {inner}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def _drf_code(exc: exceptions.APIException) -> str:
    if isinstance(exc, PayloadTooLarge):
        return "PAYLOAD_TOO_LARGE"
    return {
        exceptions.ValidationError: "VALIDATION_ERROR",
        exceptions.ParseError: "MALFORMED_JSON",
        exceptions.NotAuthenticated: "UNAUTHORIZED",
        exceptions.AuthenticationFailed: "UNAUTHORIZED",
        exceptions.PermissionDenied: "FORBIDDEN",
        exceptions.NotFound: "NOT_FOUND",
        exceptions.MethodNotAllowed: "METHOD_NOT_ALLOWED",
        exceptions.NotAcceptable: "NOT_ACCEPTABLE",
        exceptions.UnsupportedMediaType: "UNSUPPORTED_MEDIA_TYPE",
        exceptions.Throttled: "RATE_LIMITED",
    }.get(type(exc), "ERROR")


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: domain errors, DRF errors and crashes in one shape."""
    headers = {}
    if isinstance(exc, errors.DomainError):
        status, message, code = exc.http_status, exc.message, exc.code
        details = {k: v for k, v in exc.details.items() if v is not None} or None
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
    elif isinstance(exc, Http404):
        status, message, code, details = 404, "Not found.", "NOT_FOUND", None
    elif isinstance(exc, RequestDataTooBig):
        status, message, code, details = (
            413,
            "The request body is too large.",
            "PAYLOAD_TOO_LARGE",
            None,
        )
    elif isinstance(exc, DjangoPermissionDenied):
        status, message, code, details = 403, "Forbidden.", "FORBIDDEN", None
    elif isinstance(exc, exceptions.APIException):
        status, code = exc.status_code, _drf_code(exc)
        details = exc.detail if isinstance(exc, exceptions.ValidationError) else None
        message = _first_message(exc.detail)
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    elif database_unavailable(exc):
        logger.warning("database unavailable: %s", exc)
        status, message, code, details = (
            503,
            "The database is unreachable; retry shortly.",
            "SERVICE_UNAVAILABLE",
            None,
        )
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    else:
        logger.exception("unhandled error in %s", context.get("view"))
        status, message, code, details = (
            500,
            "Something went wrong on our side.",
            "INTERNAL_ERROR",
            None,
        )
    set_rollback()
    return Response(body(status, message, code, details), status=status, headers=headers)


def json_error_view(status: int, code: str, message: str):
    def view(request, exception=None):
        return JsonResponse(body(status, message, code), status=status)

    return view
