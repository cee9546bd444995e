"""404/500 pages: JSON in the API's error shape under /api/, Django's pages elsewhere."""

from django.views import defaults

from conversations.api.errors import json_error_view

_api_404 = json_error_view(404, "NOT_FOUND", "No such endpoint.")
_api_500 = json_error_view(500, "INTERNAL_ERROR", "Something went wrong on our side.")


def handler404(request, exception):
    if request.path.startswith("/api/"):
        return _api_404(request, exception)
    return defaults.page_not_found(request, exception)


def handler500(request):
    if request.path.startswith("/api/"):
        return _api_500(request)
    return defaults.server_error(request)
