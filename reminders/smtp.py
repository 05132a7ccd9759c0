"""One SMTP session per batch of digests, and what each message's outcome means.

Every failure is sorted into one of two answers, because each needs a different
response from the outbox:

- **permanent**: a 5xx reply about this message or its one recipient (an unknown
  mailbox at RCPT, 554 at DATA). Retrying cannot help.
- **temporary**: any 4xx reply (greylisting answers 450, 451 or 452 at RCPT), a
  refused connection, a timeout. Retried with backoff.

smtplib raises `SMTPRecipientsRefused` for any RCPT reply but 250 and 251, so the
exception alone does not say which; the reply code does.

Django's SMTP backend opens and closes a connection for every `send_messages` call
unless it is already open; `Session` opens it once and keeps it, reopening only when
the server closed it. After a refusal smtplib resets the transaction (RSET) and the
session goes on with the next digest.
"""

from __future__ import annotations

import contextlib
import smtplib
from dataclasses import dataclass

from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend


@dataclass(frozen=True)
class Failure:
    error: Exception
    permanent: bool

    def __str__(self) -> str:
        return f"{type(self.error).__name__}: {self.error}"


class Unreachable(Exception):
    """The mail server could not be reached at all: no digest can go out just now."""


def _code_class(code: int) -> int:
    return code // 100


def classify(error: Exception) -> Failure:
    """What a failed send means for the digest."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in error.recipients.values()]
        return Failure(error, bool(codes) and all(_code_class(c) == 5 for c in codes))
    if isinstance(error, smtplib.SMTPDataError):
        # A reply came, so the server did not take the message; 5xx says it never will.
        return Failure(error, _code_class(error.smtp_code) == 5)
    # Our own sender address refused is a setting to fix, not this recipient's fault;
    # other replies, timeouts and lost connections may pass.
    return Failure(error, False)


class Session:
    """One connection to the mail server for a batch of digests."""

    def __init__(self) -> None:
        self.backend: BaseEmailBackend = get_connection()
        # Other backends (files, memory) have no connection to keep open.
        self.smtp = isinstance(self.backend, SmtpBackend)

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
            failure = classify(exc)
            self._reopen_if_closed()
            return failure
        return None

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
