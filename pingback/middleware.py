"""Answer 503 (not a crash page) while the database is unreachable.

Each action runs in one transaction, so a failure mid-way leaves nothing half written;
Django's connection health checks reconnect on the next request once the database is back.
"""

from conversations.api.errors import database_unavailable, unavailable_response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if database_unavailable(exception):
            return unavailable_response()
        return None
