"""``/api/v1/channels...`` (REST, mounted under api/v1/) and ``/channels/<public_id>/...``
(the providers' inbound endpoints, mounted at the root)."""

from django.urls import re_path

from customer_channels import api
from customer_channels.inbound import raw_email, telegram, whatsapp

ID = r"(?P<channel_id>[0-9]+)"
PUBLIC = r"(?P<public_id>[0-9a-f]{32})"

api_urlpatterns = [
    re_path(r"^channels/?$", api.ChannelListView.as_view(), name="channels"),
    re_path(rf"^channels/{ID}/?$", api.ChannelDetailView.as_view(), name="channel"),
    re_path(
        rf"^channels/{ID}/connect/?$", api.ChannelConnectView.as_view(), name="channel-connect"
    ),
    re_path(
        rf"^channels/{ID}/outbound/?$", api.OutboundListView.as_view(), name="channel-outbound"
    ),
    re_path(
        rf"^channels/{ID}/messages/?$",
        api.ApiChannelMessagesView.as_view(),
        name="channel-messages",
    ),
]

inbound_urlpatterns = [
    re_path(
        rf"^{PUBLIC}/whatsapp/?$", whatsapp.WhatsAppWebhookView.as_view(), name="inbound-whatsapp"
    ),
    re_path(rf"^{PUBLIC}/email/?$", raw_email.RawEmailView.as_view(), name="inbound-email"),
    re_path(
        rf"^{PUBLIC}/telegram/?$", telegram.TelegramWebhookView.as_view(), name="inbound-telegram"
    ),
]
