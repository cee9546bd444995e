from django.urls import path

from ai import api

urlpatterns = [
    path("articles/", api.ArticleList.as_view(), name="kb-articles"),
    path("articles/<str:article_id>/", api.ArticleDetail.as_view(), name="kb-article"),
]
