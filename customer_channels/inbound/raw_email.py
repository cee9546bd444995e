"""``POST /channels/<public_id>/email``: one raw RFC 822 message, as an MTA pipe (Postfix
``pipe`` + curl) or an inbound-mail provider's "raw MIME" webhook posts it.

Authenticated by the channel's inbound token (``Authorization: Bearer pbin_...``, shown once
when the channel was created); the body is the message itself, any content type.
"""

from rest_framework.response import Response

from customer_channels import actions
from customer_channels.access import inbound_channel
from customer_channels.inbound import email
from customer_channels.inbound.views import BadSignature, InboundView, same
from customer_channels.models import Channel


class RawEmailView(InboundView):
    def post(self, request, public_id):
        channel = inbound_channel(public_id, Channel.Kind.EMAIL)
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not same(given, actions.credentials_of(channel).get("inbound_token", "")):
            raise BadSignature("The inbound token is missing or wrong.")
        message, created = email.receive(channel, request.body)
        if message is None:
            return Response({"ignored": True})
        return Response(
            {
                "message_id": message.pk,
                "conversation_id": message.conversation_id,
                "created": created,
            },
            status=201 if created else 200,
        )
