from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("setup/", views.setup, name="setup"),
    path("login/code/", views.login_code, name="login_code"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("password/reset/", views.reset_request, name="reset_request"),
    path("password/reset/<str:token>/", views.reset_confirm, name="reset_confirm"),
]
