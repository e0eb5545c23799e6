"""Reading the case ledger (问题及整改台账) and patrols.

Who sees which case: the office, the leadership group and integrators see
all; a supervisor the cases of the villages they patrol and those they
reported; an instructor those of the institutions they are posted to; a
member unit those dispatched to it.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from server.clock import OFFICE_TIMEZONE, today
from server.models import (
    Case,
    CaseAction,
    CaseEvent,
    CaseKind,
    CaseState,
    Complaint,
    Dispatch,
    DispatchState,
    Evidence,
    Institution,
    InstructorAssignment,
    Notice,
    Patrol,
    Penalty,
    Person,
    RegisterEntry,
    Role,
    SupervisorAssignment,
    Unit,
    Village,
)
from server.pagination import Ordering, Page, PageRequest, SortKey, paginate
from server.permissions import Actor, Permission, require
from server.queries import by_ids, group_by
from server.workflow import ENDED, open_actions

NEWEST_FIRST = Ordering((SortKey("id", descending=True, kind=int),))
SEES_ALL = frozenset({Role.ADMIN, Role.LEADER})
OVERDUE_SHOWN = 50


def visible_cases(actor: Actor) -> QuerySet[Case]:
    require(actor, Permission.READ_CASES)
    if actor.token_scope is not None or actor.roles & SEES_ALL:
        return Case.all()

    visible = Q(id__isnull=True)  # matches nothing: every row has an id
    if Role.SUPERVISOR in actor.roles and actor.person_id:
        villages = SupervisorAssignment.filter(person_id=actor.person_id).values(
            "village_id"
        )
        visible |= Q(village_id__in=Subquery(villages)) | Q(
            reported_by_id=actor.person_id
        )
    if Role.INSTRUCTOR in actor.roles and actor.person_id:
        postings = InstructorAssignment.filter(person_id=actor.person_id)
        visible |= Q(institution_id__in=Subquery(postings.values("institution_id")))
    if Role.UNIT in actor.roles and actor.unit_id:
        dispatched = Dispatch.filter(unit_id=actor.unit_id).values("case_id")
        visible |= Q(id__in=Subquery(dispatched))
    return Case.filter(visible)


@dataclass(frozen=True)
class CaseFilter:
    states: tuple[CaseState, ...] = ()
    kinds: tuple[CaseKind, ...] = ()
    village_id: int | None = None
    district_id: int | None = None
    overdue: bool = False
    open_only: bool = False
    reported_from: date | None = None
    reported_to: date | None = None


async def search_cases(
    actor: Actor, where: CaseFilter, request: PageRequest
) -> Page[Case]:
    """One page of the ledger, newest report first."""
    cases = visible_cases(actor)
    if where.states:
        cases = cases.filter(state__in=where.states)
    if where.kinds:
        cases = cases.filter(kind__in=where.kinds)
    if where.village_id is not None:
        cases = cases.filter(village_id=where.village_id)
    if where.district_id is not None:
        in_district = Village.filter(district_id=where.district_id).values("id")
        cases = cases.filter(village_id__in=Subquery(in_district))
    if where.open_only:
        cases = cases.exclude(state__in=ENDED)
    if where.overdue:
        cases = cases.filter(overdue_condition())
    if where.reported_from:
        cases = cases.filter(reported_on__gte=where.reported_from)
    if where.reported_to:
        cases = cases.filter(reported_on__lte=where.reported_to)
    return await paginate(cases, NEWEST_FIRST, request)


def overdue_condition() -> Q:
    """Cases past a deadline: a notice whose deadline passed while the case still
    waits on it, or a dispatch not reported back by its due time."""
    late = late_dispatches().values("case_id")
    return late_notice_condition() | Q(id__in=Subquery(late))


def late_notice_condition() -> Q:
    """Cases still waiting on a notice whose deadline has passed."""
    still_due = Notice.filter(deadline__gte=today()).values("case_id")
    return Q(state=CaseState.NOTICE_ISSUED) & ~Q(id__in=Subquery(still_due))


def late_dispatches() -> QuerySet[Dispatch]:
    """Dispatches not reported back by their due time, of any case."""
    return Dispatch.filter(due_at__lt=datetime.now(OFFICE_TIMEZONE)).exclude(
        state=DispatchState.REPORTED
    )


@dataclass
class CaseFile:
    """Everything about one case, for its page."""

    case: Case
    institution: Institution
    village: Village | None
    reporter: Person | None
    events: list[CaseEvent]
    notices: list[Notice]
    penalties: list[Penalty]
    register: list[RegisterEntry]
    dispatches: list[Dispatch]
    units: dict[int, Unit]
    evidence: list[Evidence]
    open_actions: list[CaseAction] = field(default_factory=list)
    # The public's reports the case follows up; for those who may read them.
    complaints: list[Complaint] = field(default_factory=list)

    @property
    def current_register(self) -> RegisterEntry | None:
        return self.register[0] if self.register else None

    @property
    def notice_days_late(self) -> int:
        if self.case.state != CaseState.NOTICE_ISSUED or not self.notices:
            return 0
        latest = max(notice.deadline for notice in self.notices)
        return max(0, (today() - latest).days)


async def case_file(actor: Actor, case_id: int) -> CaseFile | None:
    case = await visible_cases(actor).get_or_none(id=case_id)
    if case is None:
        return None

    dispatches = await Dispatch.filter(case_id=case.id).order_by("id")
    reporter = (
        await Person.get_or_none(id=case.reported_by_id)
        if case.reported_by_id
        else None
    )
    return CaseFile(
        case=case,
        institution=await Institution.get(id=case.institution_id),
        village=await Village.get_or_none(id=case.village_id)
        if case.village_id
        else None,
        reporter=reporter,
        events=await CaseEvent.filter(case_id=case.id).order_by("id"),
        notices=await Notice.filter(case_id=case.id).order_by("id"),
        penalties=await Penalty.filter(case_id=case.id).order_by("id"),
        register=await RegisterEntry.filter(case_id=case.id).order_by("-id"),
        dispatches=dispatches,
        units=await by_ids(Unit, (d.unit_id for d in dispatches)),
        evidence=await Evidence.filter(case_id=case.id).order_by("id"),
        open_actions=(
            open_actions(case.state, case.kind)
            if actor.can(Permission.MANAGE_CASES)
            else []
        ),
        complaints=await Complaint.filter(case_id=case.id).order_by("id")
        if actor.can(Permission.READ_COMPLAINTS)
        else [],
    )


async def events_of(
    actor: Actor, case_ids: Iterable[int]
) -> dict[int, list[CaseEvent]]:
    require(actor, Permission.READ_CASES)
    events = await CaseEvent.filter(case_id__in=list(case_ids)).order_by("id")
    return group_by(events, "case_id")


@dataclass(frozen=True)
class Overdue:
    """What is past its deadline, for the office's start page and the ledger."""

    notices: list[tuple[Case, Notice, int]]
    dispatches: list[tuple[Case, Dispatch, int]]


async def overdue(actor: Actor) -> Overdue:
    """Notices and dispatches past their deadline, the latest first, with days late."""
    cases = visible_cases(actor)
    waiting = await cases.filter(late_notice_condition()).limit(OVERDUE_SHOWN)
    latest = await latest_notices(case.id for case in waiting)
    notices = [
        (case, latest[case.id], (today() - latest[case.id].deadline).days)
        for case in waiting
        if case.id in latest and latest[case.id].deadline < today()
    ]

    moment = datetime.now(OFFICE_TIMEZONE)
    late = await (
        Dispatch.filter(due_at__lt=moment, case_id__in=Subquery(cases.values("id")))
        .exclude(state=DispatchState.REPORTED)
        .order_by("due_at")
        .limit(OVERDUE_SHOWN)
    )
    by_case = await by_ids(Case, (dispatch.case_id for dispatch in late))
    dispatches = [
        (by_case[d.case_id], d, max(1, (moment - d.due_at) // timedelta(days=1)))
        for d in late
    ]
    return Overdue(notices=notices, dispatches=dispatches)


async def latest_notices(case_ids: Iterable[int]) -> dict[int, Notice]:
    """Each case's notice with the latest deadline, in one statement; for cases
    the caller has been allowed to see."""
    latest: dict[int, Notice] = {}
    notices = Notice.filter(case_id__in=list(case_ids)).order_by("deadline", "id")
    for notice in await notices:
        latest[notice.case_id] = notice
    return latest


@dataclass(frozen=True)
class PatrolFilter:
    village_id: int | None = None
    supervisor_id: int | None = None
    patrolled_from: date | None = None
    patrolled_to: date | None = None


def visible_patrols(actor: Actor) -> QuerySet[Patrol]:
    require(actor, Permission.READ_CASES)
    if actor.token_scope is not None or actor.roles & SEES_ALL:
        return Patrol.all()
    if Role.SUPERVISOR in actor.roles and actor.person_id:
        villages = SupervisorAssignment.filter(person_id=actor.person_id).values(
            "village_id"
        )
        return Patrol.filter(
            Q(village_id__in=Subquery(villages)) | Q(supervisor_id=actor.person_id)
        )
    return Patrol.filter(id__isnull=True)


async def search_patrols(
    actor: Actor, where: PatrolFilter, request: PageRequest
) -> Page[Patrol]:
    patrols = visible_patrols(actor)
    if where.village_id is not None:
        patrols = patrols.filter(village_id=where.village_id)
    if where.supervisor_id is not None:
        patrols = patrols.filter(supervisor_id=where.supervisor_id)
    if where.patrolled_from:
        patrols = patrols.filter(patrolled_on__gte=where.patrolled_from)
    if where.patrolled_to:
        patrols = patrols.filter(patrolled_on__lte=where.patrolled_to)
    return await paginate(patrols, NEWEST_FIRST, request)


async def cases_of_patrols(
    actor: Actor, patrol_ids: Iterable[int]
) -> dict[int, list[Case]]:
    cases = (
        await visible_cases(actor).filter(patrol_id__in=list(patrol_ids)).order_by("id")
    )
    return group_by(cases, "patrol_id")


async def children_of(
    actor: Actor, model: type, case_ids: Iterable[int], order: str = "id"
) -> dict[int, list]:
    """Rows of `model` (events, notices, dispatches …) for each case, in one query.

    The ids must be of cases `actor` sees; callers have them from the ledger.
    """
    require(actor, Permission.READ_CASES)
    rows = await model.filter(case_id__in=list(case_ids)).order_by(order)
    return group_by(rows, "case_id")


async def cases_by_id(actor: Actor, ids: Iterable[int]) -> dict[int, Case]:
    rows = await visible_cases(actor).filter(id__in=list(set(ids)))
    return {row.id: row for row in rows}


async def patrols_by_id(actor: Actor, ids: Iterable[int]) -> dict[int, Patrol]:
    rows = await visible_patrols(actor).filter(id__in=list(set(ids)))
    return {row.id: row for row in rows}


async def dispatches_by_id(actor: Actor, ids: Iterable[int]) -> dict[int, Dispatch]:
    visible = visible_cases(actor).values("id")
    rows = await Dispatch.filter(id__in=list(set(ids)), case_id__in=Subquery(visible))
    return {row.id: row for row in rows}


async def notices_by_id(actor: Actor, ids: Iterable[int]) -> dict[int, Notice]:
    visible = visible_cases(actor).values("id")
    rows = await Notice.filter(id__in=list(set(ids)), case_id__in=Subquery(visible))
    return {row.id: row for row in rows}


async def penalties_by_id(actor: Actor, ids: Iterable[int]) -> dict[int, Penalty]:
    visible = visible_cases(actor).values("id")
    rows = await Penalty.filter(id__in=list(set(ids)), case_id__in=Subquery(visible))
    return {row.id: row for row in rows}


async def dispatches_for_unit(
    actor: Actor, unit_id: int
) -> list[tuple[Dispatch, Case]]:
    """A member unit's dispatches not yet reported back, the earliest due first."""
    require(actor, Permission.READ_CASES)
    open_dispatches = await (
        Dispatch.filter(unit_id=unit_id)
        .exclude(state=DispatchState.REPORTED)
        .order_by("due_at")
        .limit(OVERDUE_SHOWN)
    )
    by_case = await cases_by_id(actor, (d.case_id for d in open_dispatches))
    return [(d, by_case[d.case_id]) for d in open_dispatches if d.case_id in by_case]


async def days_late(actor: Actor, case_ids: Iterable[int]) -> dict[int, int]:
    """How many days each of these cases is past its deadline; absent if none."""
    late_cases = await (
        visible_cases(actor).filter(id__in=list(case_ids)).filter(overdue_condition())
    )
    if not late_cases:
        return {}
    ids = [case.id for case in late_cases]
    late: dict[int, int] = {}
    waiting = {case.id for case in late_cases if case.state == CaseState.NOTICE_ISSUED}
    for notice in await Notice.filter(case_id__in=list(waiting)).order_by("deadline"):
        late[notice.case_id] = (today() - notice.deadline).days
    moment = datetime.now(OFFICE_TIMEZONE)
    overdue_dispatches = Dispatch.filter(case_id__in=ids, due_at__lt=moment).exclude(
        state=DispatchState.REPORTED
    )
    for dispatch in await overdue_dispatches:
        days = max(1, (moment - dispatch.due_at) // timedelta(days=1))
        late[dispatch.case_id] = max(late.get(dispatch.case_id, 0), days)
    return late
