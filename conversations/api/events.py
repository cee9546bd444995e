"""``GET /api/v1/events``: page through the business's events after a cursor, in the shapes
webhooks send (``conversations.replay``)."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from conversations import errors, replay
from conversations.api.pagination import decode_cursor, encode_cursor
from conversations.api.permissions import IsManager
from conversations.api.schema import error
from conversations.api.views import ApiView

LIMIT_DEFAULT = 100


class EventSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="`evt_<eventId>`, the webhook-id of the same event.")
    eventId = serializers.IntegerField(help_text="The cursor: pass it as `after` to resume.")
    event = serializers.CharField(help_text="The webhook event name, e.g. `message.created`.")
    timestamp = serializers.DateTimeField()
    businessId = serializers.CharField()
    data = serializers.DictField(help_text="Exactly the webhook body's `data`.")


class EventPageSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
    nextCursor = serializers.CharField(
        help_text="Pass as `cursor` for the next page. A feed never ends: it is also where to "
        "resume later, so it is never null; `hasMore` says whether to ask again now."
    )
    lastEventId = serializers.IntegerField(
        help_text="Deprecated (use nextCursor): pass as `after` for the next page."
    )
    hasMore = serializers.BooleanField()


class EventListView(ApiView):
    permission_classes = [IsManager]

    @extend_schema(
        tags=["events"],
        summary="Events after a cursor",
        operation_id="events_list",
        description=(
            "The business's events after `after` (an `eventId`; 0 or absent: the oldest kept), "
            "oldest first, in the same shapes as webhook bodies and the `/ws` stream. Events "
            "are kept `EVENT_LOG_RETENTION_DAYS` (7 by default); a cursor older than what was "
            "pruned answers 410 `EVENT_CURSOR_EXPIRED`. API keys, owners and admins."
        ),
        parameters=[
            OpenApiParameter("cursor", str, description="`nextCursor` of the previous page."),
            OpenApiParameter(
                "after",
                int,
                deprecated=True,
                description="Deprecated: use `cursor`. The last eventId you processed.",
            ),
            OpenApiParameter("limit", int, description="Events per page, 1 to 500 (100)."),
        ],
        responses={
            200: EventPageSerializer,
            400: error(400),
            403: error(403),
            410: error(410, "The cursor is older than the event log keeps (EVENT_CURSOR_EXPIRED)."),
        },
        examples=[
            OpenApiExample(
                "A page",
                response_only=True,
                value={
                    "events": [
                        {
                            "id": "evt_42",
                            "eventId": 42,
                            "event": "message.created",
                            "timestamp": "2026-01-15T10:30:00Z",
                            "businessId": "acme-3f9a",
                            "data": {"sessionId": "7", "message": {"id": "91", "content": "Hi"}},
                        }
                    ],
                    "nextCursor": "WzQyXQ",
                    "lastEventId": 42,
                    "hasMore": False,
                },
            )
        ],
    )
    def get(self, request):
        params = request.query_params
        unknown = set(params) - {"cursor", "after", "limit"}
        if unknown:
            raise errors.ValidationFailed(
                f"Unknown query parameter {sorted(unknown)[0]!r}; expected cursor, limit."
            )
        if params.get("cursor") and params.get("after"):
            raise errors.ValidationFailed("Pass cursor or after, not both.", field="cursor")
        if params.get("cursor"):
            (after,) = decode_cursor(params["cursor"], 1)
            if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after < 2**63:
                raise errors.ValidationFailed(
                    "cursor is not valid.", code="INVALID_CURSOR", field="cursor"
                )
        else:
            after = replay.parse_cursor(params.get("after"))
        limit = LIMIT_DEFAULT
        if params.get("limit") not in (None, ""):
            limit = replay.parse_cursor(params.get("limit"), "limit")
        if not 1 <= limit <= replay.PAGE_MAX:
            raise errors.ValidationFailed(
                f"limit must be from 1 to {replay.PAGE_MAX}.", field="limit"
            )
        found = replay.page(self.caller.business, after, limit)
        return Response({**found, "nextCursor": encode_cursor([found["lastEventId"]])})
