"""Workload fed back to the schools and villages, and the commendation ranking.

The plan asks that each social supervisor's and party-building instructor's
work be fed back monthly to where they belong, as workload, and be the main
ground for commending people (先进个人). Everything here is counted from the
records of a `Period`: patrols and problems found for a supervisor,
inspections and findings followed up for an instructor.

An instructor belongs to a school; a supervisor, who is a villager rather
than a member of staff, to the village they patrol, whose committee gets
the statement.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from tortoise.expressions import Subquery
from tortoise.functions import Avg, Count

from server.models import (
    Case,
    CaseState,
    District,
    Finding,
    Inspection,
    Institution,
    InstructorAssignment,
    LicenseStatus,
    Patrol,
    School,
    SupervisorAssignment,
    Village,
)
from server.permissions import Actor, Permission, require
from server.reports import Period, at_moments_of, on_days_of


@dataclass(frozen=True)
class Work:
    """One person's work in a period."""

    person_id: int
    name: str
    patrols: int = 0
    problems_found: int = 0  # cases they reported
    followed_through: int = 0  # cases they reported that were closed out
    inspections: int = 0
    institutions_inspected: int = 0
    institutions_posted: int = 0
    findings_followed_up: int = 0  # findings of their inspections fixed in the period

    @property
    def total(self) -> int:
        """The figure the ranking goes by: every visit and every problem found
        or followed up counts one."""
        return (
            self.patrols
            + self.problems_found
            + self.followed_through
            + self.inspections
            + self.findings_followed_up
        )


@dataclass(frozen=True)
class Statement:
    """What one school or village receives: the work of its people."""

    kind: str  # "school" or "village"
    id: int
    name: str
    people: list[Work] = field(default_factory=list)

    @property
    def total(self) -> Work:
        return Work(
            person_id=0,
            name="",
            patrols=sum(w.patrols for w in self.people),
            problems_found=sum(w.problems_found for w in self.people),
            followed_through=sum(w.followed_through for w in self.people),
            inspections=sum(w.inspections for w in self.people),
            institutions_inspected=sum(w.institutions_inspected for w in self.people),
            institutions_posted=sum(w.institutions_posted for w in self.people),
            findings_followed_up=sum(w.findings_followed_up for w in self.people),
        )


@dataclass(frozen=True)
class Workload:
    period: Period
    schools: list[Statement]
    villages: list[Statement]

    def statement(self, kind: str, statement_id: int) -> Statement | None:
        for statement in self.schools if kind == "school" else self.villages:
            if statement.id == statement_id:
                return statement
        return None


async def workload(actor: Actor, period: Period) -> Workload:
    """Every supervisor's and instructor's work, by school and by village, in
    a fixed number of statements."""
    require(actor, Permission.READ_REPORTS)
    supervisors = await _supervisor_work(period)
    instructors = await _instructor_work(period)

    postings = await SupervisorAssignment.all().values_list("village_id", "person_id")
    by_village = defaultdict(list)
    for village_id, person_id in postings:
        by_village[village_id].append(supervisors[person_id])
    villages = await Village.all().order_by("id").values_list("id", "name")

    staff = await (
        InstructorAssignment.all()
        .distinct()
        .values_list("person_id", "person__school_id")
    )
    by_school = defaultdict(list)
    for person_id, school_id in staff:
        by_school[school_id].append(instructors[person_id])
    schools = await School.all().order_by("id").values_list("id", "name")

    return Workload(
        period=period,
        schools=[
            Statement("school", i, name, _ranked(by_school[i])) for i, name in schools
        ],
        villages=[
            Statement("village", i, name, _ranked(by_village[i]))
            for i, name in villages
        ],
    )


def _ranked(people: list[Work]) -> list[Work]:
    return sorted(people, key=lambda work: (-work.total, work.name))


async def _supervisor_work(period: Period) -> dict[int, Work]:
    # Names come with the postings, joined: a province has more supervisors
    # than one statement may list ids.
    names = dict(
        await SupervisorAssignment.all().values_list("person_id", "person__name")
    )
    patrols = await _counts(
        Patrol.filter(on_days_of(period, "patrolled_on")), "supervisor_id"
    )
    found = await _counts(
        Case.filter(on_days_of(period, "reported_on")), "reported_by_id"
    )
    closed = Case.filter(at_moments_of(period, "closed_at"), state=CaseState.CLOSED)
    through = await _counts(closed, "reported_by_id")
    return {
        i: Work(
            person_id=i,
            name=names.get(i, ""),
            patrols=patrols.get(i, 0),
            problems_found=found.get(i, 0),
            followed_through=through.get(i, 0),
        )
        for i in names
    }


async def _instructor_work(period: Period) -> dict[int, Work]:
    postings = await InstructorAssignment.all().values_list(
        "person_id", "institution_id", "person__name"
    )
    posted = defaultdict(set)
    names = {}
    for person_id, institution_id, name in postings:
        posted[person_id].add(institution_id)
        names[person_id] = name

    visits = Inspection.filter(on_days_of(period, "inspected_on"))
    inspections = await _counts(visits, "instructor_id")
    inspected = defaultdict(set)
    for person_id, institution_id in await visits.values_list(
        "instructor_id", "institution_id"
    ):
        inspected[person_id].add(institution_id)
    fixed = await _counts(
        Finding.filter(on_days_of(period, "resolved_on")), "inspection__instructor_id"
    )
    return {
        i: Work(
            person_id=i,
            name=names.get(i, ""),
            inspections=inspections.get(i, 0),
            institutions_inspected=len(inspected[i]),
            institutions_posted=len(posted[i]),
            findings_followed_up=fixed.get(i, 0),
        )
        for i in posted
    }


async def _counts(rows, column: str) -> dict[int, int]:
    grouped = rows.annotate(counted=Count("id")).group_by(column)
    return dict(await grouped.values_list(column, "counted"))


# --- commendation ----------------------------------------------------------------


@dataclass(frozen=True)
class RankedInstitution:
    institution_id: int
    name: str
    inspections: int
    average_score: Decimal
    cases: int  # reported in the period


@dataclass(frozen=True)
class RankedDistrict:
    district_id: int
    name: str
    villages: int
    villages_patrolled: int
    problems_found: int
    cases_closed: int

    @property
    def coverage(self) -> Decimal:
        if not self.villages:
            return Decimal(0)
        return Decimal(100 * self.villages_patrolled / self.villages).quantize(
            Decimal("1")
        )


@dataclass(frozen=True)
class Commendation:
    period: Period
    supervisors: list[Work]
    instructors: list[Work]
    institutions: list[RankedInstitution]
    districts: list[RankedDistrict]


async def commendation(actor: Actor, period: Period) -> Commendation:
    """Who and what stands out in the period, each with the figures that put
    it where it stands: people by their work's total, institutions by their
    average score with no case against them, districts by how many of their
    villages were patrolled, then by cases closed out."""
    require(actor, Permission.READ_REPORTS)
    supervisors = _ranked(list((await _supervisor_work(period)).values()))
    instructors = _ranked(list((await _instructor_work(period)).values()))
    return Commendation(
        period=period,
        supervisors=[w for w in supervisors if w.total],
        instructors=[w for w in instructors if w.total],
        institutions=await _institutions_ranked(period),
        districts=await _districts_ranked(period),
    )


async def _institutions_ranked(period: Period) -> list[RankedInstitution]:
    scored = (
        Inspection.filter(on_days_of(period, "inspected_on"))
        .annotate(average=Avg("score"), visits=Count("id"))
        .group_by("institution_id")
        .values_list("institution_id", "average", "visits")
    )
    averages = {i: (Decimal(str(a)), n) for i, a, n in await scored}
    cases = await _counts(
        Case.filter(on_days_of(period, "reported_on")), "institution_id"
    )
    inspected = Inspection.filter(on_days_of(period, "inspected_on"))
    names = dict(
        await Institution.filter(
            id__in=Subquery(inspected.values("institution_id")),
            license_status=LicenseStatus.LICENSED,
        ).values_list("id", "registered_name")
    )
    ranked = [
        RankedInstitution(
            i, names[i], n, average.quantize(Decimal("0.1")), cases.get(i, 0)
        )
        for i, (average, n) in averages.items()
        if i in names
    ]
    return sorted(ranked, key=lambda r: (r.cases > 0, -r.average_score, r.name))


async def _districts_ranked(period: Period) -> list[RankedDistrict]:
    villages = await Village.filter(district_id__not_isnull=True).values_list(
        "id", "district_id"
    )
    district_of = dict(villages)
    patrolled = set(
        await Patrol.filter(on_days_of(period, "patrolled_on")).values_list(
            "village_id", flat=True
        )
    )
    found = await _counts(Case.filter(on_days_of(period, "reported_on")), "village_id")
    closed = await _counts(
        Case.filter(at_moments_of(period, "closed_at"), state=CaseState.CLOSED),
        "village_id",
    )

    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for village_id, district_id in district_of.items():
        figures = totals[district_id]
        figures[0] += 1
        figures[1] += village_id in patrolled
        figures[2] += found.get(village_id, 0)
        figures[3] += closed.get(village_id, 0)
    names = dict(await District.all().values_list("id", "name"))
    ranked = [RankedDistrict(i, names[i], *totals[i]) for i in names if i in totals]
    return sorted(ranked, key=lambda d: (-d.coverage, -d.cases_closed, d.name))
