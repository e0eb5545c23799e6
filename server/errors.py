"""Refusals the domain makes, meant to be shown to whoever asked.

A `DomainError` is an expected answer, not a fault: the API returns it in
its payload or as a client error, the pages show it beside the field, and
neither logs it as an error. Anything else that escapes is a fault, shown to
no client and logged with its traceback.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    DUPLICATE = "DUPLICATE"
    CONFLICT = "CONFLICT"
    NOT_FOUND = "NOT_FOUND"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    RATE_LIMITED = "RATE_LIMITED"
    PAGE_SIZE = "PAGE_SIZE"
    CURSOR = "CURSOR"


class DomainError(Exception):
    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


@dataclass(frozen=True)
class FieldError:
    """One reason a write was refused; `field` is None when no one field is to blame."""

    field: str | None
    code: ErrorCode
    message: str


class Refused(Exception):
    """A write the domain refuses, with every reason it found at once.

    Nothing of the write has happened. On a version conflict, `current` holds
    the record as it now is, so the page can show what changed meanwhile.
    """

    def __init__(self, errors: list[FieldError], current: Any = None) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = errors
        self.current = current

    @classmethod
    def from_error(cls, error: DomainError) -> "Refused":
        return cls([FieldError(error.field, error.code, error.message)])
