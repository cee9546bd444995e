from django.urls import path

from inbox import views
from privacy import inbox_views as privacy_views

app_name = "inbox"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("status/", views.agent_status, name="agent_status"),
    path("presence/idle/", views.presence_idle, name="presence_idle"),
    path("preferences/", views.preferences, name="preferences"),
    path("switch/", views.switch_business, name="switch_business"),
    path("token/", views.token, name="token"),
    path("c/<int:conv_id>/", views.conversation, name="conversation"),
    path("c/<int:conv_id>/messages/", views.conversation_messages, name="messages"),
    path("c/<int:conv_id>/reply/", views.reply, name="reply"),
    path("c/<int:conv_id>/read/", views.mark_read, name="read"),
    path("c/<int:conv_id>/assign/", views.assign, name="assign"),
    path("c/<int:conv_id>/status/", views.change_status, name="status"),
    path("c/<int:conv_id>/handoff/clear/", views.clear_handoff, name="clear_handoff"),
    path("c/<int:conv_id>/ai/", views.toggle_ai, name="toggle_ai"),
    path("c/<int:conv_id>/erase/", privacy_views.erase_customer, name="erase_customer"),
    path("exports/", privacy_views.exports, name="exports"),
    path("exports/<int:export_id>/", privacy_views.export_download, name="export_download"),
]
