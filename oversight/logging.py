"""Structured logs (LOG_FORMAT=json), and secrets kept out of every log line."""

import json
import logging
import re
from datetime import UTC, datetime

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

# A calendar feed's address carries its secret token, and calendar programs fetch it
# every few minutes: access logs would soon hold a working address for everyone.
_FEED_ADDRESS = re.compile(r"(/calendar/)[^/\s?#\"'<>]+(\.ics)")


def mask_secrets(text: str) -> str:
    """The text with the token of any calendar feed address replaced."""
    return _FEED_ADDRESS.sub(r"\1[masked]\2", text)


class MaskSecrets(logging.Filter):
    """Masks secrets in a record's message (Django logs the path of a refused request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Anything passed with `extra=` becomes a field of its own.
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # Extras such as Django's `request` print the path too: mask the whole line.
        return mask_secrets(json.dumps(entry, default=str))
