from django.urls import path

from attachments import views

app_name = "attachments"

urlpatterns = [
    path("widget/upload", views.widget_upload, name="widget_upload"),
    path("inbox/c/<int:conv_id>/upload", views.inbox_upload, name="inbox_upload"),
    path("inbox/c/<int:conv_id>/send", views.inbox_send, name="inbox_send"),
    path("<str:token>/<str:name>", views.serve, name="serve"),
]
