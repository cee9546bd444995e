"""The one JSON body parser of every REST app (conversations, sessions, webhooks, channels, the
knowledge base, settings, team): a body is a JSON object, optionally with known fields only.
Malformed JSON, the wrong content type and oversize bodies are refused before this by the
shared parser and error handler (``MALFORMED_JSON``, ``UNSUPPORTED_MEDIA_TYPE``,
``PAYLOAD_TOO_LARGE``), all in the same ``{error, message, code}`` body."""

from conversations import errors


def json_object(request, allowed: set[str] | frozenset[str] | None = None) -> dict:
    """``request.data`` as a dict; 400 ``VALIDATION_ERROR`` when it is not a JSON object or
    (with ``allowed``) names a field outside it."""
    if not isinstance(request.data, dict):
        raise errors.ValidationFailed("The body must be a JSON object.")
    if allowed is not None:
        unknown = set(request.data) - set(allowed)
        if unknown:
            name = sorted(unknown)[0]
            raise errors.ValidationFailed(f"Unknown field {name!r}.", field=name)
    return dict(request.data)
