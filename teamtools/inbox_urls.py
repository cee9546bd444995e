"""Team-tool pages inside the inbox (included by ``inbox.urls``: names are ``inbox:*``)."""

from django.urls import path

from teamtools import inbox_views

urlpatterns = [
    path("new/", inbox_views.new_conversation, name="new_conversation"),
    path("c/<int:conv_id>/notes/", inbox_views.notes_after, name="notes"),
    path("c/<int:conv_id>/notes/add/", inbox_views.add_note, name="add_note"),
    path("c/<int:conv_id>/labels/", inbox_views.change_labels, name="labels"),
    path("c/<int:conv_id>/snooze/", inbox_views.snooze, name="snooze"),
    path("c/<int:conv_id>/customer/", inbox_views.edit_customer, name="edit_customer"),
    path("c/<int:conv_id>/customer/merge/", inbox_views.merge_customer, name="merge_customer"),
    path("c/<int:conv_id>/canned/", inbox_views.canned_picker, name="canned_picker"),
    path("settings/canned/", inbox_views.canned_settings, name="canned"),
    path("settings/labels/", inbox_views.label_settings, name="settings_labels"),
    path("settings/identity/", inbox_views.identity_settings, name="settings_identity"),
]
