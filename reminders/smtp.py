"""What each message's outcome at the mail server means.

Every failure is sorted into one of two answers, because each needs a different
response from the outbox:

- **permanent**: a 5xx reply about this message or its one recipient (an unknown
  mailbox at RCPT, 554 at DATA). Retrying cannot help.
- **temporary**: any 4xx reply (greylisting answers 450, 451 or 452 at RCPT), a
  refused connection, a timeout. Retried with backoff.

smtplib raises `SMTPRecipientsRefused` for any RCPT reply but 250 and 251, so the
exception alone does not say which; the reply code does.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    error: Exception
    permanent: bool

    def __str__(self) -> str:
        return f"{type(self.error).__name__}: {self.error}"


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
