"""One SMTP session per batch of digests, and what each message's outcome means.

Every failure is sorted into one of three answers, because each needs a different
response from the outbox:

- **permanent**: a 5xx reply about this message or its one recipient (an unknown
  mailbox at RCPT, 554 at DATA). Retrying cannot help; the other digests of the batch
  go on in the same session.
- **temporary**: any 4xx reply (greylisting answers 450, 451 or 452 at RCPT), a
  refused connection, a timeout before the message data went out. Retried with
  backoff.
- **maybe delivered**: the message data went out and then the reply never came (a
  timeout or a dropped connection while waiting for the final reply to DATA). The
  server may have stored it (RFC 5321 §4.5.3.2 lets it take 10 minutes to say so), so
  the retry is flagged as a possible duplicate.

Django's SMTP backend opens and closes a connection for every `send_messages` call
unless it is already open; `Session` opens it once and keeps it, reopening only when
the server closed it.
"""

from __future__ import annotations

import contextlib
import smtplib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend


class _TracksMessageData:
    """Remembers whether the message data of the current transaction has been sent,
    and waits `data_timeout` seconds (not the connection's timeout) for the final
    reply to DATA."""

    data_timeout: float | None = None
    message_sent = False
    _in_data = False

    def sendmail(self, *args: Any, **kwargs: Any) -> Any:
        self.message_sent = False
        return super().sendmail(*args, **kwargs)  # type: ignore[misc]

    def data(self, msg: Any) -> Any:
        self._in_data = True
        try:
            return super().data(msg)  # type: ignore[misc]
        finally:
            self._in_data = False
            sock = getattr(self, "sock", None)
            if sock is not None:
                sock.settimeout(self.timeout)  # type: ignore[attr-defined]

    def send(self, s: Any) -> None:
        super().send(s)  # type: ignore[misc]
        # smtplib sends the whole dot-terminated message in one call; after it only
        # the final reply is outstanding.
        if self._in_data and isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.message_sent = True
            sock = getattr(self, "sock", None)
            if sock is not None and self.data_timeout:
                sock.settimeout(self.data_timeout)


class DigestSMTP(_TracksMessageData, smtplib.SMTP):
    pass


class DigestSMTPSSL(_TracksMessageData, smtplib.SMTP_SSL):
    pass


class DigestSMTPBackend(SmtpBackend):
    """Django's SMTP backend, reading the same EMAIL_* settings, on a connection that
    knows whether the message data was sent."""

    @property
    def connection_class(self) -> type[smtplib.SMTP]:
        return DigestSMTPSSL if self.use_ssl else DigestSMTP

    def open(self) -> bool | None:
        opened = super().open()
        if self.connection is not None:
            self.connection.data_timeout = settings.OVERSIGHT_SMTP_DATA_TIMEOUT
        return opened


@dataclass(frozen=True)
class Failure:
    error: Exception
    permanent: bool
    maybe_delivered: bool

    def __str__(self) -> str:
        return f"{type(self.error).__name__}: {self.error}"


class Unreachable(Exception):
    """The mail server could not be reached at all: no digest can go out just now."""


def _code_class(code: int) -> int:
    return code // 100


def classify(error: Exception, *, message_sent: bool | None) -> Failure:
    """What a failed send means for the digest. `message_sent` is None when the backend
    cannot tell; a lost reply then counts as maybe delivered, to be safe."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in error.recipients.values()]
        return Failure(error, bool(codes) and all(_code_class(c) == 5 for c in codes), False)
    if isinstance(error, smtplib.SMTPDataError):
        # A reply came, so the server did not take the message; 5xx says it never will.
        return Failure(error, _code_class(error.smtp_code) == 5, False)
    if isinstance(error, smtplib.SMTPSenderRefused):
        # Our own address refused: a setting to fix, not this recipient's fault.
        return Failure(error, False, False)
    if isinstance(error, smtplib.SMTPResponseException):
        return Failure(error, False, False)
    # No reply at all: a timeout or a dropped connection.
    return Failure(error, False, True if message_sent is None else message_sent)


class Session:
    """One connection to the mail server for a batch of digests."""

    def __init__(self) -> None:
        backend = get_connection()
        if type(backend) is SmtpBackend:
            backend = DigestSMTPBackend()
        self.backend: BaseEmailBackend = backend
        self.smtp = isinstance(backend, SmtpBackend)

    def send(self, message: EmailMessage) -> Failure | None:
        """Send one message; None when the server accepted it. Raises `Unreachable`
        when no connection could be opened."""
        if self.smtp and self.backend.connection is None:
            try:
                self.backend.open()
            except (smtplib.SMTPException, OSError) as exc:
                # Connected but refused at STARTTLS or login: drop what was opened.
                self.close()
                raise Unreachable(f"{type(exc).__name__}: {exc}") from exc
        message.connection = self.backend
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as exc:
            failure = classify(exc, message_sent=self._message_sent())
            self._reopen_if_closed()
            return failure
        return None

    def _message_sent(self) -> bool | None:
        connection = getattr(self.backend, "connection", None)
        return getattr(connection, "message_sent", None) if connection is not None else None

    def _reopen_if_closed(self) -> None:
        """smtplib closes the socket on a 421 or a lost connection; the next message
        then needs a fresh connection, while after a refusal the session goes on."""
        connection = getattr(self.backend, "connection", None)
        if connection is not None and getattr(connection, "sock", None) is None:
            self.close()

    def close(self) -> None:
        # Saying goodbye to a server that has gone changes nothing.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self.backend.close()
        if self.smtp:
            self.backend.connection = None
