from accounts import api
from conversations.api.urls import ID, route

urlpatterns = [
    route("invitations", api.InvitationListView.as_view(), "api-invitations"),
    route(f"invitations/{ID}", api.InvitationDetailView.as_view(), "api-invitation"),
    route(f"team/members/{ID}", api.MemberDetailView.as_view(), "api-team-member"),
]
