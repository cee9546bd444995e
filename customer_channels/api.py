"""REST adapters for channels (``/api/v1/channels``): parse, access_channel, one action, render.

Owners, admins and API keys manage channels (``IsManager``); credentials are write-only.
An API channel's inbound messages are posted to ``/api/v1/channels/<id>/messages``.
"""

from rest_framework import status
from rest_framework.response import Response

from conversations import errors
from conversations.api.bodies import json_object
from conversations.api.permissions import IsManager
from conversations.api.views import ApiView
from conversations.snapshots import message_snapshot
from customer_channels import actions
from customer_channels import api_schema as doc
from customer_channels.access import access_channel
from customer_channels.models import Channel, OutboundMessage
from customer_channels.serializers import channel_json, inbound_url, outbound_json

MAX_PAGE = 100


class ChannelView(ApiView):
    permission_classes = [IsManager]

    def channel(self, request, channel_id) -> Channel:
        return access_channel(request.auth.business, channel_id)


class ChannelListView(ChannelView):
    @doc.schema(
        "List the business's channels",
        {200: doc.ChannelList},
        with_id=False,
        operation_id="channels_list",
    )
    def get(self, request):
        channels = Channel.objects.filter(business=request.auth.business).order_by("id")
        return Response({"channels": [channel_json(c) for c in channels]})

    @doc.schema(
        "Connect a channel (its generated secrets are in this answer only)",
        {201: doc.ChannelCreated},
        request=doc.ChannelInput,
        with_id=False,
    )
    def post(self, request):
        data = json_object(request)
        channel, secrets = actions.create_channel(
            request.auth.business,
            kind=data.get("kind"),
            name=data.get("name"),
            settings=data.get("settings"),
            credentials=data.get("credentials"),
        )
        return Response(channel_json(channel, secrets), status=status.HTTP_201_CREATED)


class ChannelDetailView(ChannelView):
    @doc.schema("A channel (credentials are never returned)", {200: doc.Channel})
    def get(self, request, channel_id):
        return Response(channel_json(self.channel(request, channel_id)))

    @doc.schema("Change a channel", {200: doc.Channel}, request=doc.ChannelInput)
    def patch(self, request, channel_id):
        data = json_object(request)
        channel = actions.update_channel(
            self.channel(request, channel_id),
            name=data.get("name"),
            settings=data.get("settings"),
            credentials=data.get("credentials"),
            enabled=data.get("enabled"),
        )
        return Response(channel_json(channel))

    @doc.schema("Delete a channel", {204: None})
    def delete(self, request, channel_id):
        actions.delete_channel(self.channel(request, channel_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChannelConnectView(ChannelView):
    """Register PingBack's inbound URL with the provider (Telegram's ``setWebhook``)."""

    @doc.schema("Register the inbound URL with the provider (Telegram)", {200: doc.Connected})
    def post(self, request, channel_id):
        channel = self.channel(request, channel_id)
        result = actions.do_connect(channel, inbound_url(channel) or "")
        return Response({"connected": result.success, "error": result.error or None})


class OutboundListView(ChannelView):
    @doc.schema(
        "The channel's outbound messages, newest first (at most 100)",
        {200: doc.OutboundList},
        parameters=[doc.STATUS],
    )
    def get(self, request, channel_id):
        channel = self.channel(request, channel_id)
        qs = OutboundMessage.objects.filter(channel=channel).order_by("-id")
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in OutboundMessage.Status.values:
                raise errors.ValidationFailed(
                    f"status must be one of {', '.join(OutboundMessage.Status.values)}.",
                    field="status",
                )
            qs = qs.filter(status=wanted)
        return Response({"outbound": [outbound_json(o) for o in qs[:MAX_PAGE]]})


class ApiChannelMessagesView(ChannelView):
    """An API channel's inbound message: ``{"from", "message_id", "text", "name"?, "email"?}``."""

    @doc.schema(
        "An API channel's inbound message (idempotent on message_id)",
        {201: doc.InboundStored, 200: doc.InboundStored},
        request=doc.InboundInput,
    )
    def post(self, request, channel_id):
        channel = self.channel(request, channel_id)
        if channel.kind != Channel.Kind.API:
            raise errors.ValidationFailed(
                "Only an API channel accepts messages here.", code="WRONG_CHANNEL_KIND"
            )
        data = json_object(request)
        for key in ("from", "message_id", "text", "name", "email"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise errors.ValidationFailed(f"{key} must be a string.", field=key)
        message, created = actions.do_receive_inbound(
            channel,
            actions.Inbound(
                address=data.get("from") or "",
                external_id=data.get("message_id") or "",
                content=data.get("text") or "",
                name=data.get("name") or "",
                email=data.get("email") or "",
            ),
        )
        return Response(
            {"created": created, "message": message_snapshot(message)},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
