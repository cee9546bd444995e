"""Mounted at ``api/v1/``: ``reports/...`` routes, each with or without a trailing slash."""

from django.urls import re_path

from reports import api

ID = r"(?P<pk>[0-9]+)"

urlpatterns = [
    re_path(r"^reports/summary/?$", api.ReportSummaryView.as_view(), name="api-report-summary"),
    re_path(r"^reports/csv/?$", api.ReportCsvView.as_view(), name="api-report-csv"),
    re_path(r"^reports/exports/?$", api.ExportListView.as_view(), name="api-report-exports"),
    re_path(rf"^reports/exports/{ID}/?$", api.ExportDetailView.as_view(), name="api-report-export"),
    re_path(
        rf"^reports/exports/{ID}/download/?$",
        api.ExportDownloadView.as_view(),
        name="api-report-export-download",
    ),
]
