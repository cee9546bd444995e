"""Team-tool routes under /api/v1/ (same conventions as ``conversations.api.urls``)."""

from conversations.api.urls import ID, route
from teamtools.api import canned, customers, identity, labels, notes, snooze

urlpatterns = [
    route(f"conversations/{ID}/notes", notes.NoteListView.as_view(), "api-notes"),
    route(f"conversations/{ID}/labels", labels.ConversationLabelsView.as_view(), "api-conv-labels"),
    route(f"conversations/{ID}/snooze", snooze.SnoozeView.as_view(), "api-snooze"),
    route(f"customers/{ID}/merge", customers.CustomerMergeView.as_view(), "api-customer-merge"),
    route("identity-secret", identity.IdentitySecretView.as_view(), "api-identity-secret"),
    route("labels", labels.LabelListView.as_view(), "api-labels"),
    route(f"labels/{ID}", labels.LabelDetailView.as_view(), "api-label"),
    route("canned-responses", canned.CannedListView.as_view(), "api-canned"),
    route(f"canned-responses/{ID}", canned.CannedDetailView.as_view(), "api-canned-one"),
    route(
        rf"conversations/{ID}/canned-responses/(?P<canned_id>[^/]+)/rendered",
        canned.CannedRenderView.as_view(),
        "api-canned-rendered",
    ),
]
