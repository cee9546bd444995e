"""``GET /api/v1/search?q=``: conversations by message text, customer name or email, or id."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from conversations.api.serializers import ConversationSerializer, StrictCharField
from conversations.api.views import ApiView
from search import engine
from teamtools.queries import attach_labels

LIMIT_MAX = 50


class SearchQuerySerializer(serializers.Serializer):
    q = StrictCharField(
        max_length=engine.MAX_QUERY,
        help_text="Words (all must match; the last may be the start of a word), a customer's "
        "name or email, or a conversation id (`42` or `#42`).",
    )
    limit = serializers.IntegerField(required=False, min_value=1, max_value=LIMIT_MAX, default=20)


class SearchHitSerializer(serializers.Serializer):
    conversation = ConversationSerializer()
    matched = serializers.ChoiceField(choices=["id", "customer", "message"])
    message_id = serializers.IntegerField(allow_null=True)
    snippet = serializers.CharField(
        help_text="HTML: the matching text, escaped, with the matched words in <mark>."
    )


class SearchResultSerializer(serializers.Serializer):
    results = SearchHitSerializer(many=True)


class SearchView(ApiView):
    @extend_schema(
        tags=["search"],
        summary="Search conversations",
        description="Full-text search over message text (PostgreSQL tsvector with a GIN index; "
        "SQLite FTS5 in the embedded setup), customer name and email, and conversation ids. "
        "Only conversations the caller may see are searched. Newest match first; one hit per "
        "conversation. The conversation list takes the same `q` as a filter.",
        parameters=[SearchQuerySerializer],
        responses={200: SearchResultSerializer},
        examples=[
            OpenApiExample(
                "A refund",
                response_only=True,
                value={
                    "results": [
                        {
                            "conversation": {"id": 42, "status": "open", "labels": []},
                            "matched": "message",
                            "message_id": 981,
                            "snippet": "…charged twice, I want a <mark>refund</mark> for…",
                        }
                    ]
                },
            )
        ],
    )
    def get(self, request):
        f = self.validated(SearchQuerySerializer)
        hits = engine.search(self.caller.agent, self.caller.business, f["q"], f["limit"])
        convs = attach_labels(engine.conversations_for(hits))
        return Response(
            {
                "results": [
                    {
                        "conversation": ConversationSerializer(c).data,
                        "matched": c.hit.matched,
                        "message_id": c.hit.message_id,
                        "snippet": c.hit.snippet,
                    }
                    for c in convs
                ]
            }
        )
