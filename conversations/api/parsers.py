"""The REST API's JSON parser: bounded size and depth, one documented error for each.

- A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB) is a 413 ``PAYLOAD_TOO_LARGE``, read no
  further (also for the unauthenticated ``/auth/token/``).
- JSON nested deeper than the parser's recursion allows is a 400 ``MALFORMED_JSON``.
- Strings with NUL or lone surrogates are refused by the actions (``conversations.validation``).
"""

from __future__ import annotations

import codecs
import json

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from pingback.json_depth import MAX_DEPTH, depth_ok


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "PAYLOAD_TOO_LARGE"


def body_limit() -> int | None:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def read_limited(stream, request=None) -> bytes:
    limit = body_limit()
    declared = None
    if request is not None:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = None
    if limit is not None and declared and declared > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    raw = stream.read() if limit is None else stream.read(limit + 1)
    if limit is not None and len(raw) > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    return raw


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context.get("request")
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        if stream is None:
            return None
        raw = read_limited(stream, getattr(request, "_request", None))
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        if not depth_ok(text):
            raise exceptions.ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.")
        try:
            return json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")
