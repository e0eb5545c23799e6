"""What the start page reminds each reader of, this month.

The office sees how many days remain before the next report is due and
what the month still lacks: villages nobody has patrolled, licensed
institutions nobody has inspected, notices past their deadline. A
supervisor sees her villages not patrolled yet, an instructor her
institutions not inspected yet.
"""

from dataclasses import dataclass, field
from datetime import date

from tortoise.expressions import Subquery

from server.cases import overdue_condition
from server.models import (
    Case,
    CaseState,
    Inspection,
    Institution,
    InstructorAssignment,
    LicenseStatus,
    Patrol,
    SupervisorAssignment,
    Village,
)
from server.permissions import Actor, Permission, Role
from server.reports import Calendar, Period, month_after, on_days_of


@dataclass(frozen=True)
class Reminders:
    month: Period  # the period under way, which "this month" means
    report: Period | None = None  # the report to send next; the office's only
    villages_not_patrolled: list[Village] = field(default_factory=list)
    villages_total: int = 0
    not_inspected: list[Institution] = field(default_factory=list)
    inspected_total: int = 0
    notices_overdue: int | None = None

    def days_left(self, on: date) -> int | None:
        return self.report.days_until_due(on) if self.report else None


async def reminders(actor: Actor, calendar: Calendar, on: date) -> Reminders | None:
    """The reader's reminders; None for whoever has nothing to do with them."""
    month = calendar.month(on.year, on.month)
    if month.end < on:  # the period named by this month ended already
        month = calendar.month(*month_after(on.year, on.month))
    if actor.can(Permission.READ_REPORTS):
        return await _office(month, calendar.due_next(on))
    if Role.SUPERVISOR in actor.roles and actor.person_id:
        return await _supervisor(month, actor.person_id)
    if Role.INSTRUCTOR in actor.roles and actor.person_id:
        return await _instructor(month, actor.person_id)
    return None


async def _office(month: Period, report: Period) -> Reminders:
    villages = Village.all()
    institutions = Institution.filter(license_status=LicenseStatus.LICENSED)
    waiting = Case.filter(state=CaseState.NOTICE_ISSUED).filter(overdue_condition())
    return Reminders(
        month=month,
        report=report,
        villages_not_patrolled=await _not_patrolled(villages, month),
        villages_total=await villages.count(),
        not_inspected=await _not_inspected(institutions, month),
        inspected_total=await institutions.count(),
        notices_overdue=await waiting.count(),
    )


async def _supervisor(month: Period, person_id: int) -> Reminders:
    mine = SupervisorAssignment.filter(person_id=person_id).values("village_id")
    villages = Village.filter(id__in=Subquery(mine))
    return Reminders(
        month=month,
        villages_not_patrolled=await _not_patrolled(villages, month),
        villages_total=await villages.count(),
    )


async def _instructor(month: Period, person_id: int) -> Reminders:
    mine = InstructorAssignment.filter(person_id=person_id).values("institution_id")
    institutions = Institution.filter(id__in=Subquery(mine))
    return Reminders(
        month=month,
        not_inspected=await _not_inspected(institutions, month),
        inspected_total=await institutions.count(),
    )


async def _not_patrolled(villages, month: Period) -> list[Village]:
    patrolled = Patrol.filter(on_days_of(month, "patrolled_on")).values("village_id")
    return await villages.exclude(id__in=Subquery(patrolled)).order_by("id")


async def _not_inspected(institutions, month: Period) -> list[Institution]:
    inspected = Inspection.filter(on_days_of(month, "inspected_on")).values(
        "institution_id"
    )
    return await institutions.exclude(id__in=Subquery(inspected)).order_by("sort_name")
