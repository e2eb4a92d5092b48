"""Errors a page can translate: a `code` naming what went wrong and the `details` its message
needs, beside an English message for the command line and logs."""

from __future__ import annotations

from typing import Any


class CodedError(ValueError):
    """A ValueError with a `code` and `details` a page can translate (the message is English)."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code, self.details = code, details
