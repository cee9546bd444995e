from django.urls import path

from inbox import widget_views

app_name = "widget"

urlpatterns = [
    path("demo/", widget_views.demo, name="demo"),
    path("availability/", widget_views.availability, name="availability"),
    path("settings/", widget_views.widget_settings, name="settings"),
    path("preview/", widget_views.preview, name="preview"),
]
