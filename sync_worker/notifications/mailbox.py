"""A real SMTP server (aiosmtpd) that keeps what it receives: the demo shows its e-mails,
the tests read them. Never used in production, where SMTP_HOST is the real server."""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class ReceivedEmail:
    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"]).strip()

    @property
    def body(self) -> str:
        return self.message.get_content()


class _Collector:
    def __init__(self) -> None:
        self.emails: list[ReceivedEmail] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, _server, session, envelope) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.emails.append(ReceivedEmail(tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class Mailbox:
    """`with Mailbox() as box:` an SMTP server on a free port; `box.emails` what arrived."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._collector = _Collector()
        self._controller = Controller(self._collector, hostname=host, port=port or _free_port())

    @property
    def host(self) -> str:
        return self._controller.hostname

    @property
    def port(self) -> int:
        return self._controller.port

    @property
    def emails(self) -> list[ReceivedEmail]:
        with self._collector.lock:
            return list(self._collector.emails)

    def to(self, address: str) -> list[ReceivedEmail]:
        return [e for e in self.emails if address in e.recipients]

    def __enter__(self) -> Mailbox:
        self._controller.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._controller.stop()


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
