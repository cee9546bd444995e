from django.urls import path

from inbox import widget_views

app_name = "widget"

urlpatterns = [
    path("demo/", widget_views.demo, name="demo"),
    path("availability/", widget_views.availability, name="availability"),
]
