"""Refusals the domain makes, meant to be shown to whoever asked.

A `DomainError` is an expected answer, not a fault: the API returns it in
its payload or as a client error, the pages show it beside the field, and
neither logs it as an error. Anything else that escapes is a fault, shown to
no client and logged with its traceback.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    PAGE_SIZE = "PAGE_SIZE"
    CURSOR = "CURSOR"


class DomainError(Exception):
    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
