"""A real SMTP server for tests (aiosmtpd), which the tests read back."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    envelope_to: list[str]
    message: Message

    @property
    def message_id(self) -> str:
        return self.message["Message-ID"]

    def text(self) -> str:
        parts = self.message.walk() if self.message.is_multipart() else [self.message]
        return "\n".join(
            part.get_payload(decode=True).decode()
            for part in parts
            if part.get_content_maintype() == "text"
        )


@dataclass
class Sink:
    """Stores every accepted message; can refuse everything to play a server that is down."""

    received: list[Received] = field(default_factory=list)
    refuse: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse:
            return "421 Service not available, closing transmission channel"
        with self.lock:
            self.received.append(
                Received(list(envelope.rcpt_tos), message_from_bytes(envelope.content))
            )
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.envelope_to]


class SmtpServer:
    def __init__(self) -> None:
        self.sink = Sink()
        self.port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
