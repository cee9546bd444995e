"""Under /api/ every error is JSON, whatever DEBUG says; elsewhere Django's pages stay."""

import pytest
from django.db import OperationalError
from django.test import override_settings
from django.urls import path

from pingback import urls as root_urls


def crash(request):
    raise RuntimeError("boom")


def db_down(request):
    raise OperationalError("could not connect to server")


urlpatterns = [
    *root_urls.urlpatterns,
    path("api/v1/_crash", crash),
    path("elsewhere/_db_down", db_down),
]


@pytest.mark.parametrize("debug", [True, False])
def test_unknown_api_path_is_a_json_404(client, debug, settings):
    settings.DEBUG = debug
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {
        "error": "Not found",
        "message": "No such endpoint.",
        "code": "NOT_FOUND",
    }


@override_settings(ROOT_URLCONF=__name__, DEBUG=True)
def test_a_crash_outside_drf_is_a_json_500_under_api(client):
    client.raise_request_exception = False
    response = client.get("/api/v1/_crash")
    assert response.status_code == 500
    assert response.json()["code"] == "INTERNAL_ERROR"


@override_settings(ROOT_URLCONF=__name__)
def test_database_outage_is_a_503_on_any_page(client):
    client.raise_request_exception = False
    response = client.get("/elsewhere/_db_down")
    assert response.status_code == 503
    assert response.json()["code"] == "SERVICE_UNAVAILABLE"
    assert response["Retry-After"] == "5"


def test_pages_outside_the_api_keep_html_404s(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
