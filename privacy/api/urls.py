"""Mounted at ``api/v1/``: customer erasure and data exports, with or without a trailing slash."""

from django.urls import re_path

from privacy.api import views

ID = r"(?P<pk>[^/]+)"

urlpatterns = [
    re_path(rf"^customers/{ID}/erase/?$", views.CustomerEraseView.as_view(), name="api-erase"),
    re_path(r"^exports/?$", views.ExportListView.as_view(), name="api-exports"),
    re_path(rf"^exports/{ID}/?$", views.ExportDetailView.as_view(), name="api-export"),
    re_path(
        rf"^exports/{ID}/download/?$",
        views.ExportDownloadView.as_view(),
        name="api-export-download",
    ),
]
