"""A real SMTP server for tests (aiosmtpd), which the tests read back."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

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


# ---------------------------------------------------------------- a server under control


@dataclass
class Behaviour:
    """How the controlled server treats one recipient.

    `rcpt` and `data` are the replies to RCPT TO and to the message data (empty means
    accept); `lifts_after` makes the RCPT reply temporary, as greylisting is: from that
    many seconds after the recipient was first tried (on the sink's clock) it is accepted.
    `delay` holds back the final DATA reply after the message has been stored, as a slow
    server does; `times` limits the behaviour to that many DATA transactions.
    """

    rcpt: str = ""
    data: str = ""
    lifts_after: float | None = None
    delay: float = 0.0
    times: int | None = None
    first_seen: float | None = None
    used: int = 0

    def active(self) -> bool:
        return self.times is None or self.used < self.times


@dataclass
class ControlledSink(Sink):
    """A Sink that treats each recipient as told (`behave`), counts SMTP sessions and
    every reply it gave, and can run `on_data` (in the server's thread) once a message is
    stored and before the reply goes out."""

    behaviours: dict[str, Behaviour] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic
    sessions: int = 0
    replies: list[tuple[str, str, str]] = field(default_factory=list)  # (recipient, stage, reply)
    on_data: Callable[[list[str]], None] | None = None

    def behave(self, address: str, **behaviour: Any) -> Behaviour:
        self.behaviours[address] = Behaviour(**behaviour)
        return self.behaviours[address]

    def greylist(self, address: str, *, seconds: float) -> Behaviour:
        return self.behave(
            address, rcpt="450 4.2.0 Greylisted, please try again later", lifts_after=seconds
        )

    async def handle_EHLO(self, server, session, envelope, hostname, responses) -> list[str]:
        with self.lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        behaviour = self.behaviours.get(address)
        reply = "250 OK"
        if behaviour is not None and behaviour.rcpt and behaviour.active():
            now = self.clock()
            if behaviour.first_seen is None:
                behaviour.first_seen = now
            lifted = behaviour.lifts_after is not None and (
                now - behaviour.first_seen >= behaviour.lifts_after
            )
            if not lifted:
                reply = behaviour.rcpt
        with self.lock:
            self.replies.append((address, "RCPT", reply))
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse:
            return "421 Service not available, closing transmission channel"
        behaviours = [b for a in envelope.rcpt_tos if (b := self.behaviours.get(a)) and b.active()]
        refusal = next((b.data for b in behaviours if b.data), "")
        if refusal:
            for behaviour in behaviours:
                behaviour.used += 1
            self._replied(envelope, refusal)
            return refusal
        with self.lock:
            self.received.append(
                Received(list(envelope.rcpt_tos), message_from_bytes(envelope.content))
            )
        if self.on_data is not None:
            await asyncio.get_running_loop().run_in_executor(
                None, self.on_data, list(envelope.rcpt_tos)
            )
        delay = max((b.delay for b in behaviours), default=0.0)
        for behaviour in behaviours:
            behaviour.used += 1
        if delay:
            # Stored already: the reply just comes late, after the client may have given up.
            await asyncio.sleep(delay)
        self._replied(envelope, "250 OK")
        return "250 OK"

    def _replied(self, envelope, reply: str) -> None:
        with self.lock:
            self.replies.extend((a, "DATA", reply) for a in envelope.rcpt_tos)

    def count(self, address: str) -> int:
        """How many copies of a message the recipient has been given."""
        return len(self.to(address))


class ControlledSmtpServer(SmtpServer):
    """An SmtpServer whose sink is a ControlledSink, which can also go down and come back
    on the same port (a mail outage)."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.sink = ControlledSink(clock=clock)
        self.port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    def down(self) -> None:
        self.controller.stop()

    def up(self) -> None:
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def __exit__(self, *exc: object) -> None:
        if self.controller._thread is not None:
            self.controller.stop()
