"""REST: the knowledge base at /api/v1/knowledge-base/articles/.

Owners, admins and API keys manage articles; every agent of the business may read them.
Another business's article answers 404, the same as an unknown id.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from ai import access, actions
from conversations import errors
from conversations.api.bodies import json_object
from conversations.api.pagination import encode_cursor, next_link, page_by_id
from conversations.api.permissions import IsBusinessCaller, IsManager
from conversations.api.views import ApiView
from conversations.snapshots import iso
from conversations.validation import check_text, is_id

FIELDS = ("question", "answer", "keywords", "enabled")


def render(article) -> dict:
    return {
        "id": article.pk,
        "question": article.question,
        "answer": article.answer,
        "keywords": article.keyword_list,
        "enabled": article.enabled,
        "created_at": iso(article.created_at),
        "updated_at": iso(article.updated_at),
    }


# Documentation of the shapes (the views validate through ai.actions).
ArticleSchema = inline_serializer(
    "KnowledgeArticle",
    {
        "id": serializers.IntegerField(),
        "question": serializers.CharField(max_length=300),
        "answer": serializers.CharField(max_length=5000),
        "keywords": serializers.ListField(child=serializers.CharField()),
        "enabled": serializers.BooleanField(),
        "created_at": serializers.DateTimeField(),
        "updated_at": serializers.DateTimeField(),
    },
)
ArticleInput = inline_serializer(
    "KnowledgeArticleInput",
    {
        "question": serializers.CharField(max_length=300),
        "answer": serializers.CharField(max_length=5000),
        "keywords": serializers.ListField(child=serializers.CharField(), required=False),
        "enabled": serializers.BooleanField(required=False),
    },
)
ArticlePage = inline_serializer(
    "KnowledgeArticlePage",
    {
        "count": serializers.IntegerField(),
        "results": ArticleSchema.__class__(many=True),
        "next_cursor": serializers.CharField(
            allow_null=True, help_text="Pass as `cursor` for the next page; null on the last."
        ),
        "next": serializers.URLField(allow_null=True, help_text="The next page's URL."),
        "previous": serializers.URLField(
            allow_null=True, help_text="Deprecated (offset pages only): the previous page's URL."
        ),
    },
)
ARTICLE_ID = OpenApiParameter("article_id", int, OpenApiParameter.PATH)
TAGS = ["knowledge base"]


def _body(request) -> dict:
    return json_object(request, set(FIELDS))


class ReadOrManage(IsBusinessCaller):
    message = "Only owners, admins and API keys may change the knowledge base."

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return super().has_permission(request, view)
        return IsManager().has_permission(request, view)

    def refuses_a_role(self, method: str) -> bool:
        return method not in SAFE_METHODS


class ArticlePagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200


class ArticleList(ApiView):
    permission_classes = [ReadOrManage]

    @extend_schema(
        tags=TAGS,
        summary="List knowledge-base articles",
        operation_id="knowledge_base_articles_list",
        parameters=[
            OpenApiParameter("q", str, description="Search in question and keywords."),
            OpenApiParameter("enabled", bool),
            OpenApiParameter("limit", int, description="Page size, 1-200 (50)."),
            OpenApiParameter("cursor", str, description="`next_cursor` of the previous page."),
            OpenApiParameter(
                "offset",
                int,
                deprecated=True,
                description="Deprecated: use `cursor`. Skips this many articles.",
            ),
        ],
        responses={200: ArticlePage},
    )
    def get(self, request):
        qs = access.articles_of(request.auth.business).order_by("id")
        if query := check_text(request.query_params.get("q", ""), "q").strip():
            qs = qs.filter(question__icontains=query) | qs.filter(keywords__icontains=query)
        enabled = request.query_params.get("enabled")
        if enabled is not None:
            if enabled not in ("true", "false"):
                raise errors.ValidationFailed("enabled must be true or false.", field="enabled")
            qs = qs.filter(enabled=enabled == "true")
        for name in ("limit", "offset"):
            value = request.query_params.get(name)
            if value is not None and not (is_id(value) or value == "0"):
                raise errors.ValidationFailed(f"{name} must be a non-negative integer.", field=name)
        if "offset" in request.query_params:  # deprecated: offset pages
            paginator = ArticlePagination()
            page = paginator.paginate_queryset(qs, request, view=self)
            response = paginator.get_paginated_response([render(a) for a in page])
            more = response.data["next"] is not None and page
            response.data["next_cursor"] = encode_cursor([page[-1].pk]) if more else None
            return response
        limit = int(request.query_params.get("limit") or ArticlePagination.default_limit)
        limit = min(max(limit, 1), ArticlePagination.max_limit)
        count = qs.count()
        page, next_cursor = page_by_id(
            qs, request.query_params.get("cursor"), limit, descending=False
        )
        return Response(
            {
                "count": count,
                "results": [render(a) for a in page],
                "next_cursor": next_cursor,
                "next": next_link(request, next_cursor),
                "previous": None,
            }
        )

    @extend_schema(
        tags=TAGS,
        summary="Create an article (owners, admins, API keys)",
        request=ArticleInput,
        responses={201: ArticleSchema},
    )
    def post(self, request):
        data = _body(request)
        for field in ("question", "answer"):
            if field not in data:
                raise errors.ValidationFailed(f"{field} is required.", field=field)
        article = actions.create_article(request.auth.business, **data)
        return Response(render(article), status=201)


class ArticleDetail(ApiView):
    permission_classes = [ReadOrManage]

    @extend_schema(
        tags=TAGS,
        summary="Get an article",
        parameters=[ARTICLE_ID],
        responses={200: ArticleSchema},
    )
    def get(self, request, article_id):
        return Response(render(access.access_article(request.auth.business, article_id)))

    @extend_schema(
        tags=TAGS,
        summary="Change an article (owners, admins, API keys)",
        parameters=[ARTICLE_ID],
        request=ArticleInput,
        responses={200: ArticleSchema},
    )
    def patch(self, request, article_id):
        article = access.access_article(request.auth.business, article_id)
        return Response(render(actions.update_article(article, **_body(request))))

    @extend_schema(
        tags=TAGS,
        summary="Replace an article (owners, admins, API keys)",
        parameters=[ARTICLE_ID],
        request=ArticleInput,
        responses={200: ArticleSchema},
    )
    def put(self, request, article_id):
        article = access.access_article(request.auth.business, article_id)
        data = _body(request)
        for field in ("question", "answer"):
            if field not in data:
                raise errors.ValidationFailed(f"{field} is required.", field=field)
        data.setdefault("keywords", "")
        data.setdefault("enabled", True)
        return Response(render(actions.update_article(article, **data)))

    @extend_schema(
        tags=TAGS,
        summary="Delete an article (owners, admins, API keys)",
        parameters=[ARTICLE_ID],
        responses={204: None},
    )
    def delete(self, request, article_id):
        article = access.access_article(request.auth.business, article_id)
        actions.delete_article(article)
        return Response(status=204)
