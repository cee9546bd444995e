from conversations.api.urls import route
from search import api

urlpatterns = [route("search", api.SearchView.as_view(), "api-search")]
