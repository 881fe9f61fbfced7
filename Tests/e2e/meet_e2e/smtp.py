"""An SMTP server on loopback for the tests of email (docs/scheduling.md, "Email
and calendars"): aiosmtpd receives what meet-api sends (`MEET_SMTP_*`), and
each message is parsed with Python's `email` package, so its MIME structure
is read by an independent implementation. `SMTPServer` can be stopped and
started again on the same port (the outage test).
"""
from __future__ import annotations

import email
import email.message
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller

from .env import free_port


class Inbox:
    """aiosmtpd's handler: keeps every message received (envelope and parsed message)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        with self.lock:
            return [message for rcpts, message in self.messages if address in rcpts]


class SMTPServer:
    """aiosmtpd on a fixed loopback port that can be stopped and started again."""

    def __init__(self):
        self.port = free_port(socket.SOCK_STREAM)
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None


def answer_link(message: email.message.EmailMessage) -> str:
    """The "Accept or decline" link of an invitation email (text body), with its secret."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    return next(line.split(": ", 1)[1].strip() for line in text.splitlines() if line.startswith("Accept or decline: "))
