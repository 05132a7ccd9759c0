"""Where evidence and report files are kept: the filesystem (the embedded default) or,
with OVERSIGHT_STORAGE=s3, S3-compatible object storage through django-storages, so
that every web host serves the same files.

Either way a store that fails must not take a page down or leave half a write: the
errors it can raise are caught where files are saved and read, and turned into a clear
message (`STORE_UNAVAILABLE`), with the database rolled back.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

logger = logging.getLogger(__name__)

STORE_UNAVAILABLE = (
    "The file store cannot be reached just now, so nothing was saved. "
    "Please try again in a few minutes."
)

STORE_UNREADABLE = (
    "The file store cannot be reached just now. Nothing was changed: please try again "
    "in a few minutes."
)


def _store_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError]
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # the embedded default needs no S3 client
        pass
    else:
        errors += [BotoCoreError, ClientError]
    return tuple(errors)


STORE_ERRORS = _store_errors()


def is_missing(error: BaseException) -> bool:
    """Whether the store answered that the file is not there (rather than failing)."""
    if isinstance(error, FileNotFoundError):
        return True
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", "")) in {"404", "NoSuchKey", "NotFound"}


@contextlib.contextmanager
def quietly() -> Iterator[None]:
    """Clean-up after a failed write: a store that is down cannot delete either; the
    failure is logged and the original error is the one the person hears of."""
    try:
        yield
    except STORE_ERRORS:
        logger.exception("Could not remove a partly written file")
