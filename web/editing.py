"""What every editing page shares: reading typed values from a form, and
turning a refused write into messages beside the fields it names."""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from starlette.datastructures import FormData

from server import audit
from server.errors import ErrorCode, Refused
from server.i18n import _
from server.permissions import Actor
from web.labels import choices

FORM = "_form"  # where an error that names no field is shown: the summary


@dataclass
class Submitted:
    """A form's values as typed, and the problems found reading them."""

    form: FormData
    errors: dict[str, str] = field(default_factory=dict)

    def text(self, name: str) -> str:
        value = self.form.get(name, "")
        return value if isinstance(value, str) else ""

    def optional_id(self, name: str) -> int | None:
        value = self.text(name).strip()
        if not value:
            return None
        if not value.isdigit():
            self.errors[name] = _("Choose one from the list.")
            return None
        return int(value)

    def choice(self, name: str, allowed: type[StrEnum]) -> Any:
        value = self.text(name)
        if not value:
            return None
        if value not in allowed.__members__:
            accepted = "、".join(text for _value, text in choices(allowed))
            self.errors[name] = _("Choose one of: {accepted}.").format(
                accepted=accepted
            )
            return None
        return allowed(value)

    def day(self, name: str) -> date | None:
        value = self.text(name).strip()
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.errors[name] = _(
                "Write the date as year-month-day, such as 2025-09-01."
            )
            return None

    def version(self) -> int:
        value = self.text("version")
        return int(value) if value.isdigit() else 0


def refusal_errors(
    refused: Refused, rename: dict[str, str] | None = None
) -> dict[str, str]:
    """The refusal's messages by form field; the first message per field wins."""
    rename = rename or {}
    errors: dict[str, str] = {}
    for error in refused.errors:
        name = rename.get(error.field or "", error.field) or FORM
        errors.setdefault(name, error.message)
    return errors


async def conflict(actor: Actor, refused: Refused, read_version: int) -> dict[str, Any]:
    """For a page refused by a version conflict: what changed meanwhile, and by
    whom, and the version to resubmit from; empty for any other refusal."""
    if refused.current is None or not any(
        error.code == ErrorCode.CONFLICT for error in refused.errors
    ):
        return {}
    changes = await audit.changes_since(actor, refused.current, read_version)
    return {"changes": changes, "current_version": refused.current.version}
