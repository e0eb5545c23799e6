"""Checking what a writer sent, collecting every problem before refusing.

A form with three mistakes should say all three at once, so checks add to a
list instead of raising at the first; `done()` raises `Refused` with all of
them, or returns when there are none.
"""

import re
from datetime import date
from typing import Any, TypeVar

from tortoise.expressions import F
from tortoise.models import Model

from server.credit_code import (
    CreditCodeProblem,
    InvalidCreditCode,
    normalise_credit_code,
)
from server.errors import DomainError, ErrorCode, FieldError, Refused
from server.i18n import _
from server.permissions import Actor, Permission, require

ModelT = TypeVar("ModelT", bound=Model)

PHONE = re.compile(r"\+?[0-9][0-9 -]{5,18}[0-9]")
# Characters no text of ours can hold: NUL, which PostgreSQL refuses in
# text, and halves of UTF-16 surrogate pairs, which UTF-8 cannot encode.
# Nobody types them; they come from malformed or hostile clients.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(text: str) -> str | None:
    """What is wrong with `text` for keeping or searching, said for its
    writer; None if nothing."""
    found = UNSTORABLE.search(text)
    if found is None:
        return None
    message = _("Text cannot contain the character U+{code}; remove it and send again.")
    return message.format(code=f"{ord(found.group()):04X}")


class Keep:
    """Marks a field an update leaves as it is (None would clear it)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = Keep()


class Checks:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, field: str | None, code: ErrorCode, message: str) -> None:
        self.errors.append(FieldError(field, code, message))

    def text(
        self, field: str, value: str | None, *, max_length: int, required: bool = False
    ) -> str | None:
        """The text trimmed of surrounding space; None when empty."""
        value = (value or "").strip() or None
        if value is None:
            if required:
                self.fail(field, ErrorCode.REQUIRED, _("Fill this in."))
            return None
        if len(value) > max_length:
            message = _("At most {maximum} characters; this has {length}.")
            self.fail(
                field,
                ErrorCode.TOO_LONG,
                message.format(maximum=max_length, length=len(value)),
            )
        problem = unstorable(value)
        if problem is not None:
            self.fail(field, ErrorCode.INVALID, problem)
            return None  # not to be looked up by the checks that follow
        return value

    def credit_code(self, field: str, value: str | None) -> str | None:
        if not value or not value.strip():
            return None
        try:
            return normalise_credit_code(value)
        except InvalidCreditCode as invalid:
            self.fail(field, ErrorCode.INVALID, CREDIT_CODE_MESSAGES[invalid.problem]())
            return None

    def phone(self, field: str, value: str | None) -> str | None:
        value = (value or "").strip() or None
        if value is not None and not PHONE.fullmatch(value):
            self.fail(
                field,
                ErrorCode.INVALID,
                _("A phone number, such as 13800000000 or 0531-88161175."),
            )
        return value

    def dates_in_order(self, field: str, start: date | None, end: date | None) -> None:
        if start and end and end < start:
            self.fail(
                field, ErrorCode.INVALID, _("The end date comes before the start date.")
            )

    async def exists(
        self, field: str, model: type[Model], record_id: int | None
    ) -> None:
        if record_id is not None and not await model.exists(id=record_id):
            self.fail(field, ErrorCode.NOT_FOUND, _("Choose one from the list."))

    def done(self) -> None:
        if self.errors:
            raise Refused(self.errors)


CREDIT_CODE_MESSAGES = {
    CreditCodeProblem.LENGTH: lambda: _(
        "A unified social credit code has exactly 18 characters."
    ),
    CreditCodeProblem.CHARACTER: lambda: _(
        "A unified social credit code uses digits and capital letters other than "
        "I, O, S, V and Z."
    ),
    CreditCodeProblem.DIVISION_CODE: lambda: _(
        "Characters 3 to 8 of a unified social credit code are digits."
    ),
    CreditCodeProblem.CHECK_CHARACTER: lambda: _(
        "The last character does not match the others; check the code for a typo."
    ),
}


async def claim_version(model: type[ModelT], record_id: int, version: int) -> ModelT:
    """The record, once its version is moved on from `version`; call inside the
    write's transaction. Its fields are as they were at `version`, which the
    audit entry's `before` records.

    The check and the bump are one UPDATE, so of two writers who read the same
    version only the first gets past here; the second is refused with the
    record as it now is, and overwrites nothing.
    """
    claimed = await model.filter(id=record_id, version=version).update(
        version=F("version") + 1
    )
    current = await model.get_or_none(id=record_id)
    if current is None:
        message = _("This record does not exist, or no longer does.")
        raise Refused([FieldError(None, ErrorCode.NOT_FOUND, message)])
    if not claimed:
        message = _(
            "Someone else changed this record while you were editing it; "
            "see what changed, then make your change again."
        )
        raise Refused([FieldError(None, ErrorCode.CONFLICT, message)], current=current)
    return current


def allowed(actor: Actor, permission: Permission) -> None:
    """Refuse a write by anyone without `permission`, as a write refuses."""
    try:
        require(actor, permission)
    except DomainError as error:
        raise Refused.from_error(error) from None


def may_edit(actor: Actor) -> None:
    """Refuse a write of the organisation by anyone not allowed to make it."""
    allowed(actor, Permission.EDIT_ORGANISATION)
