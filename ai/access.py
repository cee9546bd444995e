"""Reads of the knowledge base scoped to one business (foreign and unknown ids: NotFound)."""

from ai.models import KnowledgeArticle
from conversations import errors
from conversations.access import int_id


class ArticleNotFound(errors.NotFound):
    code = "ARTICLE_NOT_FOUND"


def articles_of(business):
    return KnowledgeArticle.objects.filter(business=business)


def access_article(business, article_id) -> KnowledgeArticle:
    pk = int_id(article_id)
    article = articles_of(business).filter(pk=pk).first() if pk else None
    if article is None:
        raise ArticleNotFound("Article not found.")
    return article
