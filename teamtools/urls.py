"""Team-tool routes under /api/v1/ (same conventions as ``conversations.api.urls``)."""

from conversations.api.urls import ID, route
from teamtools import api

urlpatterns = [
    route(f"conversations/{ID}/notes", api.NoteListView.as_view(), "api-notes"),
    route(f"conversations/{ID}/labels", api.ConversationLabelsView.as_view(), "api-conv-labels"),
    route(f"conversations/{ID}/snooze", api.SnoozeView.as_view(), "api-snooze"),
    route(f"customers/{ID}/merge", api.CustomerMergeView.as_view(), "api-customer-merge"),
    route("labels", api.LabelListView.as_view(), "api-labels"),
    route(f"labels/{ID}", api.LabelDetailView.as_view(), "api-label"),
    route("canned-responses", api.CannedListView.as_view(), "api-canned"),
    route(f"canned-responses/{ID}", api.CannedDetailView.as_view(), "api-canned-one"),
    route(
        rf"conversations/{ID}/canned-responses/(?P<canned_id>[^/]+)/rendered",
        api.CannedRenderView.as_view(),
        "api-canned-rendered",
    ),
]
