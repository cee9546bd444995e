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
        if self._refuses_some_roles():
            statuses.append(403)
        if self.method in ("POST", "PUT", "PATCH"):
            statuses += [413, 415]
        for status in statuses:
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(
                    error(status), str(status), direction=direction
                )
        return dict(sorted(responses.items()))

    def _refuses_some_roles(self) -> bool:
        """The view's permission for this method is narrower than "any business caller"
        (IsManager, ai's ReadOrManage, …): some callers get a 403."""
        return any(
            getattr(permission, "refuses_a_role", lambda method: False)(self.method)
            for permission in self.view.get_permissions()
        )


def readable_operation_ids(result, generator, request, public):
    """Postprocessing hook: a plain APIView's collection GET and object GET both come out as
    ``X_retrieve`` (drf-spectacular would then number the second ``X_retrieve_2``); the
    collection's becomes ``X_list``."""
    gets = [
        (path, methods["get"])
        for path, methods in result.get("paths", {}).items()
        if "get" in methods
    ]
    seen: dict[str, int] = {}
    for _, operation in gets:
        seen[operation["operationId"]] = seen.get(operation["operationId"], 0) + 1
    for path, operation in gets:
        op_id = operation["operationId"]
        collection = not path.rstrip("/").endswith("}")
        if seen[op_id] > 1 and collection and op_id.endswith("_retrieve"):
            operation["operationId"] = op_id[: -len("_retrieve")] + "_list"
    return result


NULL_ONLY = {"type": "object", "nullable": True, "enum": [None]}


def strict_nullable_references(result, generator, request, public):
    """Postprocessing hook: drf-spectacular writes a nullable reference as ``allOf: [$ref]`` with
    ``nullable: true``, which OpenAPI 3.0.3 ignores (``nullable`` only counts next to ``type``),
    so a null failed strict validation. Write it as ``oneOf: [$ref, <null only>]``."""

    def walk(node):
        if isinstance(node, dict):
            all_of = node.get("allOf")
            single_ref = isinstance(all_of, list) and len(all_of) == 1
            if node.get("nullable") and "type" not in node and single_ref:
                del node["allOf"], node["nullable"]
                node["oneOf"] = [all_of[0], dict(NULL_ONLY)]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result
