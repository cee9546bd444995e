"""Text and JSON every surface accepts: no NUL, no lone surrogate, bounded size and depth.

PostgreSQL's ``text`` and ``jsonb`` cannot store ``\\u0000``, and a lone surrogate cannot be
encoded as UTF-8: either would fail deep in the database driver (a 500). Adapters and actions
call these checks first and answer ``VALIDATION_ERROR`` (400) instead.
"""

from __future__ import annotations

import json

from django.conf import settings

from conversations import errors

MAX_DEPTH = 20  # nesting of metadata values


def text_problem(value: str) -> str | None:
    if "\x00" in value:
        return "must not contain NUL (\\u0000) characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (no lone surrogates)"
    return None


def check_text(value, field: str):
    """``value`` unchanged when it is storable text (non-strings pass through)."""
    if isinstance(value, str) and (problem := text_problem(value)):
        raise errors.ValidationFailed(f"{field} {problem}.", field=field)
    return value


def check_json(value, field: str, depth: int = 0):
    """Every string (keys included) of a JSON value is storable; nesting is bounded."""
    if depth > MAX_DEPTH:
        raise errors.ValidationFailed(f"{field} is nested too deeply.", field=field)
    if isinstance(value, str):
        check_text(value, field)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, field)
            check_json(item, field, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_json(item, field, depth + 1)
    return value


def check_metadata(metadata, field: str = "metadata") -> dict:
    """Storable, and within ``METADATA_MAX_BYTES`` and ``METADATA_MAX_KEYS``."""
    if not isinstance(metadata, dict):
        raise errors.ValidationFailed(f"{field} must be an object.", field=field)
    check_json(metadata, field)
    max_keys = settings.METADATA_MAX_KEYS
    if max_keys and len(metadata) > max_keys:
        raise errors.ValidationFailed(
            f"{field} has {len(metadata)} keys; at most {max_keys} are allowed.",
            code="METADATA_TOO_LARGE",
            field=field,
        )
    max_bytes = settings.METADATA_MAX_BYTES
    if max_bytes:
        size = len(json.dumps(metadata, ensure_ascii=False).encode())
        if size > max_bytes:
            raise errors.ValidationFailed(
                f"{field} is {size} bytes of JSON; at most {max_bytes} are allowed.",
                code="METADATA_TOO_LARGE",
                field=field,
            )
    return metadata


def is_id(value) -> bool:
    """An id as a query string: 1-18 ASCII digits (fits a 64-bit column)."""
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18
