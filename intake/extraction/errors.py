"""The one exception type the extraction package raises for bad input."""

from __future__ import annotations


class ExtractionError(Exception):
    """Input the engine cannot read. `message` is written for the person who uploaded it.

    `code` is a stable short name (for tests and for views that want to react to a kind of
    failure) and never changes wording; `message` may.
    """

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message
