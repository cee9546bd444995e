"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, collecting every message it receives.

Use the ``smtp_server`` fixture (tests/conftest.py): it points ``settings.EMAIL_URL`` of the test
process at the server; a live server subprocess gets ``EMAIL_URL=smtp_server.url`` in its
environment. ``wait_for`` blocks on a condition (no polling sleeps) until a matching message
arrived.
"""

from __future__ import annotations

import email
import email.policy
import re
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Mail:
    envelope_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: str = field(repr=False)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def to(self) -> str:
        return str(self.message["To"] or "")

    def part(self, content_type: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == content_type and not part.is_multipart():
                return part.get_content()
        return ""

    @property
    def text(self) -> str:
        return self.part("text/plain")

    @property
    def html(self) -> str:
        return self.part("text/html")

    def links(self) -> list[str]:
        return re.findall(r"https?://[^\s\"'<>]+", self.text)


class Mailbox:
    """Messages received by the server, in order; thread-safe."""

    def __init__(self) -> None:
        self.messages: list[Mail] = []
        self._cond = threading.Condition()
        self.url = ""  # smtp://127.0.0.1:<port>, set when the server started

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        mail = Mail(
            envelope.mail_from, list(envelope.rcpt_tos), message, raw.decode("utf-8", "replace")
        )
        with self._cond:
            self.messages.append(mail)
            self._cond.notify_all()
        return "250 OK"

    def to(self, address: str) -> list[Mail]:
        with self._cond:
            return [m for m in self.messages if address in m.rcpt_tos]

    def clear(self) -> None:
        with self._cond:
            self.messages.clear()

    def wait_for(self, address: str, subject: str = "", timeout: float = 15) -> Mail:
        """The first message to ``address`` whose subject contains ``subject``."""

        def found():
            for m in self.messages:
                if address in m.rcpt_tos and subject in m.subject:
                    return m
            return None

        with self._cond:
            mail = self._cond.wait_for(found, timeout)
        if mail is None:
            got = [(m.rcpt_tos, m.subject) for m in self.messages]
            raise AssertionError(f"no email to {address} about {subject!r} in {timeout}s: {got}")
        return mail


def start_smtp_server() -> tuple[Controller, Mailbox]:
    from tests.live import free_port

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mailbox.url = f"smtp://127.0.0.1:{controller.port}"
    return controller, mailbox
