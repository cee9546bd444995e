"""Domain errors. Each carries a stable machine ``code`` and the HTTP status adapters use."""


class DomainError(Exception):
    code = "BAD_REQUEST"
    http_status = 400
    title = "Bad request"

    def __init__(self, message: str | None = None, *, code: str | None = None, **details):
        super().__init__(message or self.title)
        self.message = message or self.title
        if code:
            self.code = code
        self.details = details


class ValidationFailed(DomainError):
    code = "VALIDATION_ERROR"
    title = "Invalid input"


class Unauthorized(DomainError):
    code = "UNAUTHORIZED"
    http_status = 401
    title = "Unauthorized"


class PermissionDenied(DomainError):
    code = "FORBIDDEN"
    http_status = 403
    title = "Forbidden"


class NotFound(DomainError):
    code = "NOT_FOUND"
    http_status = 404
    title = "Not found"


class BusinessNotFound(NotFound):
    code = "BUSINESS_NOT_FOUND"


class ConversationNotFound(NotFound):
    code = "CONVERSATION_NOT_FOUND"


class CustomerNotFound(NotFound):
    code = "CUSTOMER_NOT_FOUND"


class AgentNotFound(NotFound):
    code = "AGENT_NOT_FOUND"


class Conflict(DomainError):
    code = "CONFLICT"
    http_status = 409
    title = "Conflict"


class InvalidTransition(Conflict):
    code = "INVALID_STATUS_TRANSITION"
    title = "This status change is not allowed"


class CursorExpired(DomainError):
    """A resume cursor older than the event log's retention: replay cannot be complete."""

    code = "EVENT_CURSOR_EXPIRED"
    http_status = 410
    title = "Gone"


class ChannelCannotDeliver(DomainError):
    """The conversation's channel has no way to reach this customer (yet)."""

    code = "CHANNEL_CANNOT_DELIVER"
    http_status = 422
    title = "Unprocessable"
