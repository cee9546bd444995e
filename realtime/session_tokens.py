"""Signed widget session tokens: proof that a socket speaks for one customer of one business.

The server hands one out in the ack of the first ``client_message`` (and of every later one);
the widget keeps it (localStorage) and sends it back in ``auth.session_token`` on reconnect.
It is a ``TimestampSigner`` signature over the business and customer ids with a dedicated salt,
so it cannot be forged without ``SECRET_KEY`` nor replayed against another business.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

SALT = "pingback.widget.session"


class InvalidSessionToken(Exception):
    pass


@dataclass(frozen=True)
class WidgetSession:
    business_id: int
    customer_id: int


def issue(business_id: int, customer_id: int) -> str:
    return signing.dumps({"b": business_id, "c": customer_id}, salt=SALT, compress=False)


def verify(token, business_id: int) -> WidgetSession:
    """The session a token proves for ``business_id``; raises InvalidSessionToken otherwise."""
    if not isinstance(token, str) or not token or len(token) > 500:
        raise InvalidSessionToken("session_token must be the string the server issued.")
    max_age = settings.WIDGET_SESSION_MAX_AGE_DAYS * 86400
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise InvalidSessionToken("session_token has expired: start a new session.") from None
    except signing.BadSignature:
        raise InvalidSessionToken("session_token is not valid.") from None
    if not isinstance(data, dict) or data.get("b") != business_id or not data.get("c"):
        raise InvalidSessionToken("session_token belongs to another business.")
    return WidgetSession(business_id=data["b"], customer_id=data["c"])
