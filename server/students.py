"""Names of the students a case affects, for offices that choose to keep them.

The register of a case holds counts and amounts, which is all that closing a
case needs. Names of minors are personal data: they are kept only when the
`XIAOWAI_STUDENT_NAMES` setting is on, only administrators read or write
them, and neither the audit trail nor the logs ever carry a name, only the
id of the row that held it.
"""

from datetime import datetime

from tortoise.transactions import in_transaction

from server import audit
from server.clock import OFFICE_TIMEZONE
from server.errors import ErrorCode, FieldError, Refused
from server.i18n import _
from server.models import AffectedStudent, Case
from server.permissions import Actor, Permission
from server.validation import Checks, allowed
from server.workflow import ENDED


async def names_of(actor: Actor, case_id: int) -> list[AffectedStudent]:
    """The students named for a case; empty for anyone but an administrator."""
    if not actor.can(Permission.SEE_STUDENT_NAMES):
        return []
    return await AffectedStudent.filter(case_id=case_id).order_by("id")


async def add_name(
    actor: Actor, case_id: int, name: str, note: str, *, kept: bool
) -> AffectedStudent:
    """Name one student of a case; `kept` is the office's choice to keep names."""
    allowed(actor, Permission.SEE_STUDENT_NAMES)
    if not kept:
        raise _refused(
            ErrorCode.INVALID, _("This office keeps counts of students, not names.")
        )
    checks = Checks()
    name = checks.text("name", name, max_length=32, required=True)
    note = checks.text("note", note, max_length=200) or ""
    checks.done()

    async with in_transaction():
        case = await Case.get_or_none(id=case_id)
        if case is None:
            raise _refused(ErrorCode.NOT_FOUND, _("There is no such case."))
        if case.state in ENDED:
            raise _refused(ErrorCode.INVALID, _("This case has ended."))
        student = await AffectedStudent.create(
            case=case,
            name=name,
            note=note,
            added_at=datetime.now(OFFICE_TIMEZONE),
            added_by=actor.label,
        )
        await audit.record(actor, "case.student_named", case, None, _trace(student))
    return student


async def remove_name(actor: Actor, case_id: int, student_id: int) -> None:
    """Forget one named student, for a mistake or once the name is not needed."""
    allowed(actor, Permission.SEE_STUDENT_NAMES)

    async with in_transaction():
        student = await AffectedStudent.get_or_none(id=student_id, case_id=case_id)
        if student is None:
            return
        case = await Case.get(id=student.case_id)
        await student.delete()
        await audit.record(actor, "case.student_forgotten", case, _trace(student), None)


def _trace(student: AffectedStudent) -> dict[str, int]:
    """What the audit trail keeps of a named student: the row, never the name."""
    return {"student": student.id}


def _refused(code: ErrorCode, message: str) -> Refused:
    return Refused([FieldError(None, code, message)])
