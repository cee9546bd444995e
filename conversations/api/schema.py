"""OpenAPI generation: the Bearer scheme and the error responses every operation can give."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from conversations.api.serializers import ErrorSerializer

ERROR_DESCRIPTIONS = {
    400: "Invalid input (VALIDATION_ERROR, MALFORMED_JSON, INVALID_CURSOR, BUSINESS_REQUIRED, …).",
    401: "Missing, invalid or expired credentials (UNAUTHORIZED, INVALID_API_KEY, TOKEN_INVALID).",
    403: "The caller's role may not do this (FORBIDDEN, AGENT_REQUIRED).",
    404: "Unknown or foreign id (CONVERSATION_NOT_FOUND, SESSION_NOT_FOUND, …).",
    409: "Illegal status change (INVALID_STATUS_TRANSITION).",
    410: "Gone (EVENT_CURSOR_EXPIRED).",
    413: "The request body is over 2.5 MB (PAYLOAD_TOO_LARGE).",
    415: "The body is not application/json (UNSUPPORTED_MEDIA_TYPE).",
    429: "Rate limit reached (RATE_LIMITED); see Retry-After and X-RateLimit-* headers.",
    500: "Unexpected failure (INTERNAL_ERROR).",
}


def error(status: int, description: str | None = None) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description or ERROR_DESCRIPTIONS[status])


class BearerAuthScheme(OpenApiAuthenticationExtension):
    target_class = "conversations.api.auth.BearerAuthentication"
    name = "bearer"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An API key (`pbk_…`, business-scoped) or an agent access JWT from "
                "`POST /api/v1/auth/token/`. JWT users in several businesses add "
                "`X-PingBack-Business: <business_id>`."
            ),
        }


class PingBackAutoSchema(AutoSchema):
    """Adds the errors any operation may answer with, in the ``{error,message,code}`` shape."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        statuses = [400, 429, 500]
        if self.get_auth():
            statuses.append(401)
        if "{" in self.path:
            statuses.append(404)
        if self.method in ("POST", "PUT", "PATCH"):
            statuses += [413, 415]
        for status in statuses:
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(
                    error(status), str(status), direction=direction
                )
        return dict(sorted(responses.items()))
