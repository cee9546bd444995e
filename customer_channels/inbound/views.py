"""Shared shape of the providers' inbound endpoints (``/channels/<public_id>/<kind>``).

No PingBack credentials: each provider proves itself its own way (a secret token header, an
HMAC signature, a bearer token), checked before anything is parsed or written. Errors keep
the API's ``{error, message, code}`` shape.
"""

import hmac

from rest_framework.permissions import AllowAny

from conversations import errors
from conversations.api.views import ApiView


class BadSignature(errors.Unauthorized):
    code = "BAD_SIGNATURE"
    title = "The request is not signed by the channel's provider."


def same(given, expected: str) -> bool:
    return (
        isinstance(given, str)
        and bool(expected)
        and hmac.compare_digest(given.encode(), expected.encode())
    )


class InboundView(ApiView):
    schema = None  # the providers' formats, documented in docs/channels.md, not our API
    authentication_classes: list = []
    # Not the anonymous per-IP limit: a provider sends every business's traffic from a few
    # addresses (a busy bot would be throttled), and each request proves itself with a
    # 256-bit secret or an HMAC before anything is read.
    throttle_classes: list = []
    permission_classes = [AllowAny]
