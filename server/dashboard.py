"""The dashboard of the leadership group and its office (领导小组及办公室).

What the group asks of the records when it meets: which cards the licensed
institutions hold, how the lists grew or shrank over the year, how many
problems were found each month and where they stand, what is past its
deadline, and which villages and institutions nobody visited this month.

The figures span the whole subdistrict, so only those who see every
institution and every case read them: the office, the leadership group, and
integrators' tokens (the district's own dashboards). Every read costs a
fixed number of statements however many records there are: counts are
GROUP BY aggregates, and the list history is one statement replayed here.

Months are calendar months of the office's calendar (`server.clock`); the
current month is one of them, counted so far.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count, Max
from tortoise.queryset import QuerySet

from server import cases
from server.clock import OFFICE_TIMEZONE, today
from server.errors import DomainError, ErrorCode
from server.i18n import _
from server.models import (
    Card,
    CaseState,
    Inspection,
    Institution,
    LicenseStatus,
    ListChange,
    ListChangeState,
    ListName,
    OperatingStatus,
    Unit,
    Village,
)
from server.permissions import Actor, Permission, require
from server.queries import by_ids

MONTHS_SHOWN = 12
# Stacked bottom to top in the order a case moves through its workflow.
CASE_STATES = (
    CaseState.REPORTED,
    CaseState.VERIFIED,
    CaseState.NOTICE_ISSUED,
    CaseState.STOP_ORDERED,
    CaseState.ESCALATED,
    CaseState.PENALISED,
    CaseState.BANNED,
    CaseState.RECTIFIED,
    CaseState.CLOSED,
    CaseState.DISMISSED,
)
CARDS = (Card.GREEN, Card.YELLOW, Card.RED)
LISTS = (ListName.WHITE, ListName.KEY, ListName.BLACK)


# --- who may read it ----------------------------------------------------------


def may_read(actor: Actor) -> bool:
    """Whether `actor` may read the dashboard; the navigation asks this."""
    return (
        actor.can(Permission.READ_INSTITUTIONS)
        and actor.can(Permission.READ_CASES)
        and actor.sees_all_institutions
    )


def require_reader(actor: Actor) -> None:
    """Refuse anyone who sees only part of the subdistrict: figures for the
    whole of it would tell a supervisor about villages not in her charge."""
    require(actor, Permission.READ_INSTITUTIONS)
    require(actor, Permission.READ_CASES)
    if not actor.sees_all_institutions:
        raise DomainError(ErrorCode.FORBIDDEN, _("Your account may not do this."))


# --- months -------------------------------------------------------------------


def last_months(on: date, count: int = MONTHS_SHOWN) -> tuple[date, ...]:
    """The first days of the `count` calendar months up to the one `on` is
    in, oldest first."""
    first = on.replace(day=1)
    months = [first]
    while len(months) < count:
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first)
    return tuple(reversed(months))


def next_month(first: date) -> date:
    """The first day of the month after the one `first` is in."""
    return (first.replace(day=1) + timedelta(days=32)).replace(day=1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, OFFICE_TIMEZONE)


# --- cards --------------------------------------------------------------------


@dataclass(frozen=True)
class CardTally:
    """The licensed institutions that still operate, by the card they hold."""

    by_card: dict[Card, int]
    awaiting: int  # not inspected yet, so holding no card

    @property
    def total(self) -> int:
        return sum(self.by_card.values()) + self.awaiting


def supervised_institutions() -> QuerySet[Institution]:
    """The institutions inspections and cards are for: fully licensed, and
    neither closed nor banned."""
    return Institution.filter(license_status=LicenseStatus.LICENSED).exclude(
        operating_status__in=[OperatingStatus.CLOSED, OperatingStatus.BANNED]
    )


async def cards_now(actor: Actor) -> CardTally:
    require_reader(actor)
    rows = await (
        supervised_institutions()
        .annotate(count=Count("id"))
        .group_by("card")
        .values("card", "count")
    )
    counted = {row["card"]: row["count"] for row in rows}
    return CardTally(
        by_card={card: counted.get(card, 0) for card in CARDS},
        awaiting=counted.get(None, 0),
    )


# --- lists over the months ----------------------------------------------------


@dataclass(frozen=True)
class ListMonth:
    """How many institutions were on each list when a month ended (for the
    current month: now)."""

    month: date  # its first day
    counts: dict[ListName, int]


async def list_membership(
    actor: Actor, *, on: date | None = None, months: int = MONTHS_SHOWN
) -> tuple[ListMonth, ...]:
    """The lists at the end of each of the last `months` months, replayed
    from the moves that took effect.

    A move takes effect when it is applied: at once for most, and for a move
    onto or off the blacklist when an administrator confirmed it
    (`decided_at`); moves proposed and rejected or superseded never did.
    Replaying every applied move costs one statement, its rows growing by
    about one per institution a month.
    """
    require_reader(actor)
    applied = await (
        ListChange.filter(state=ListChangeState.APPLIED)
        .order_by("id")
        .values("institution_id", "list_name", "at", "decided_at")
    )
    moves = sorted(
        (
            (row["decided_at"] or row["at"], row["institution_id"], row["list_name"])
            for row in applied
        ),
        key=lambda move: move[0],
    )

    list_of: dict[int, ListName | None] = {}
    replayed = 0
    history = []
    for month in last_months(on or today(), months):
        ends = _midnight(next_month(month))
        while replayed < len(moves) and moves[replayed][0] < ends:
            _moment, institution_id, list_name = moves[replayed]
            list_of[institution_id] = list_name
            replayed += 1
        counted = Counter(list_of.values())
        history.append(ListMonth(month, {name: counted[name] for name in LISTS}))
    return tuple(history)


# --- cases by month -----------------------------------------------------------


@dataclass(frozen=True)
class CaseMonth:
    """The cases reported in a month, by the state each is in now."""

    month: date  # its first day
    by_state: dict[CaseState, int]

    @property
    def total(self) -> int:
        return sum(self.by_state.values())


async def cases_by_month(
    actor: Actor, *, on: date | None = None, months: int = MONTHS_SHOWN
) -> tuple[CaseMonth, ...]:
    """Each month's reported cases, counted by the state they are in now.

    Chosen over "the cases in each state at each month's end" because it
    answers what the group asks (how many problems were found that month,
    and how many of them are dealt with), it agrees with the ledger filtered
    by report date and state, and it needs no replay of every case's events.
    Older months read as mostly ended, which is the truth about them.
    """
    require_reader(actor)
    window = last_months(on or today(), months)
    rows = await (
        cases.visible_cases(actor)
        .filter(reported_on__gte=window[0], reported_on__lt=next_month(window[-1]))
        .annotate(count=Count("id"))
        .group_by("reported_on", "state")
        .values("reported_on", "state", "count")
    )
    counted: dict[date, Counter] = defaultdict(Counter)
    for row in rows:
        counted[row["reported_on"].replace(day=1)][CaseState(row["state"])] += row[
            "count"
        ]
    return tuple(
        CaseMonth(month, {state: counted[month][state] for state in CASE_STATES})
        for month in window
    )


# --- overdue ------------------------------------------------------------------


@dataclass(frozen=True)
class LateNotice:
    case_id: int
    institution_id: int
    institution_name: str
    notice_number: str
    deadline: date
    days_late: int


@dataclass(frozen=True)
class LateDispatch:
    case_id: int
    institution_id: int
    institution_name: str
    unit_name: str
    due_at: datetime
    days_late: int


@dataclass(frozen=True)
class OverdueItems:
    """What is past its deadline now: every one counted, and up to
    `cases.OVERDUE_SHOWN` of each kind listed, the longest overdue first."""

    notice_count: int
    dispatch_count: int
    notices: tuple[LateNotice, ...]
    dispatches: tuple[LateDispatch, ...]


async def overdue_now(actor: Actor) -> OverdueItems:
    """Notices past their deadline while the case still waits on them, and
    dispatches not reported back by their due time (see `cases.overdue`)."""
    require_reader(actor)
    listed = await cases.overdue(actor)
    visible = cases.visible_cases(actor)
    notice_count = await visible.filter(cases.late_notice_condition()).count()
    dispatch_count = await (
        cases.late_dispatches()
        .filter(case_id__in=Subquery(visible.values("id")))
        .count()
    )

    shown = [case for case, _notice, _days in listed.notices]
    shown += [case for case, _dispatch, _days in listed.dispatches]
    names = dict(
        await Institution.filter(
            id__in=list({case.institution_id for case in shown})
        ).values_list("id", "registered_name")
    )
    units = await by_ids(Unit, (d.unit_id for _case, d, _days in listed.dispatches))
    notices = [
        LateNotice(
            case.id,
            case.institution_id,
            names.get(case.institution_id, ""),
            notice.number,
            notice.deadline,
            days,
        )
        for case, notice, days in listed.notices
    ]
    dispatches = [
        LateDispatch(
            case.id,
            case.institution_id,
            names.get(case.institution_id, ""),
            units[dispatch.unit_id].name if dispatch.unit_id in units else "",
            dispatch.due_at,
            days,
        )
        for case, dispatch, days in listed.dispatches
    ]
    return OverdueItems(
        notice_count=notice_count,
        dispatch_count=dispatch_count,
        notices=tuple(sorted(notices, key=lambda late: -late.days_late)),
        dispatches=tuple(sorted(dispatches, key=lambda late: -late.days_late)),
    )


# --- patrols by village -------------------------------------------------------


@dataclass(frozen=True)
class VillagePatrols:
    village_id: int
    name: str
    district_name: str | None  # None: not placed in a district yet
    patrols: int


@dataclass(frozen=True)
class PatrolCoverage:
    """Every village with its patrols this month, the least patrolled first,
    so that those nobody visited head the list."""

    month: date  # its first day
    villages: tuple[VillagePatrols, ...]

    @property
    def unpatrolled(self) -> tuple[VillagePatrols, ...]:
        return tuple(village for village in self.villages if not village.patrols)


async def patrol_coverage(actor: Actor, *, on: date | None = None) -> PatrolCoverage:
    require_reader(actor)
    month = (on or today()).replace(day=1)
    villages = await Village.all().values("id", "name", "sort_name", "district__name")
    counted = await (
        cases.visible_patrols(actor)
        .filter(patrolled_on__gte=month, patrolled_on__lt=next_month(month))
        .annotate(count=Count("id"))
        .group_by("village_id")
        .values("village_id", "count")
    )
    patrols = {row["village_id"]: row["count"] for row in counted}

    villages.sort(key=lambda v: (patrols.get(v["id"], 0), v["sort_name"], v["id"]))
    return PatrolCoverage(
        month=month,
        villages=tuple(
            VillagePatrols(
                village_id=village["id"],
                name=village["name"],
                district_name=village["district__name"],
                patrols=patrols.get(village["id"], 0),
            )
            for village in villages
        ),
    )


# --- inspections by institution -----------------------------------------------


@dataclass(frozen=True)
class InstitutionInspections:
    institution_id: int
    name: str
    card: Card | None
    inspections: int  # this month
    last_inspected_on: date | None  # None: never inspected


@dataclass(frozen=True)
class InspectionCoverage:
    """Every licensed institution that still operates with its inspections
    this month; those not inspected this month first, the longest since
    their last inspection (or never inspected) at the head."""

    month: date  # its first day
    institutions: tuple[InstitutionInspections, ...]

    @property
    def not_inspected(self) -> tuple[InstitutionInspections, ...]:
        return tuple(i for i in self.institutions if not i.inspections)


async def inspection_coverage(
    actor: Actor, *, on: date | None = None
) -> InspectionCoverage:
    require_reader(actor)
    month = (on or today()).replace(day=1)
    supervised = supervised_institutions()
    institutions = await supervised.values("id", "registered_name", "sort_name", "card")
    this_month = Q(inspected_on__gte=month, inspected_on__lt=next_month(month))
    counted = await (
        Inspection.filter(institution_id__in=Subquery(supervised.values("id")))
        .annotate(last=Max("inspected_on"), this_month=Count("id", _filter=this_month))
        .group_by("institution_id")
        .values("institution_id", "last", "this_month")
    )
    inspected = {row["institution_id"]: row for row in counted}

    rows = [
        InstitutionInspections(
            institution_id=institution["id"],
            name=institution["registered_name"],
            card=Card(institution["card"]) if institution["card"] else None,
            inspections=inspected.get(institution["id"], {}).get("this_month", 0),
            last_inspected_on=inspected.get(institution["id"], {}).get("last"),
        )
        for institution in institutions
    ]
    names = {i["id"]: i["sort_name"] for i in institutions}
    rows.sort(
        key=lambda row: (
            row.inspections > 0,
            row.last_inspected_on or date.min,
            names[row.institution_id],
        )
    )
    return InspectionCoverage(month=month, institutions=tuple(rows))


# --- all of it ----------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    on: date
    cards: CardTally
    lists: tuple[ListMonth, ...]
    cases: tuple[CaseMonth, ...]
    overdue: OverdueItems
    patrols: PatrolCoverage
    inspections: InspectionCoverage


async def dashboard(actor: Actor) -> Dashboard:
    """Every figure of the dashboard, as of one day."""
    require_reader(actor)
    on = today()
    return Dashboard(
        on=on,
        cards=await cards_now(actor),
        lists=await list_membership(actor, on=on),
        cases=await cases_by_month(actor, on=on),
        overdue=await overdue_now(actor),
        patrols=await patrol_coverage(actor, on=on),
        inspections=await inspection_coverage(actor, on=on),
    )
