"""The monthly report (月报): every figure the office sends, from the records.

Each figure counts a set of records the report can also list, so every
number on the page links to the rows behind it and nobody retypes one. A
figure is defined once, as a query of its records (`SOURCES`); the report
counts those queries, and the drill-down pages list them.

A reporting period is a month by default. An office that reports from the
26th to the 25th sets `report_period_starts_on`; a period is named by the
month it ends in, and is due on the next `report_due_day` after it ends. A
period may also be a whole year, for the year's review.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tortoise import Model, Tortoise
from tortoise.expressions import Q, RawSQL, Subquery
from tortoise.functions import Avg, Count, Max, Min
from tortoise.queryset import QuerySet

from server.clock import OFFICE_TIMEZONE, today
from server.errors import DomainError, ErrorCode
from server.i18n import N_, _, gettext
from server.models import (
    Card,
    CardChange,
    Case,
    CaseAction,
    CaseEvent,
    CaseKind,
    Complaint,
    ComplaintState,
    Dispatch,
    Inspection,
    Institution,
    LicenseStatus,
    ListChange,
    ListChangeState,
    ListName,
    Notice,
    Patrol,
    RegisterEntry,
    Village,
)
from server.permissions import Actor, Permission, require
from server.queries import at_once

NONE = "NONE"  # the group of a figure by card or list: none yet, or off all lists


# --- periods ----------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The days a report covers, both ends included."""

    name: str  # "2026-11" for a month, "2026" for a year
    start: date
    end: date
    due: date | None = None  # when the office must send it; months only

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time(0), OFFICE_TIMEZONE)

    @property
    def ends_before(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.end + timedelta(days=1), time(0), OFFICE_TIMEZONE)

    @property
    def is_year(self) -> bool:
        return len(self.name) == 4

    def days_until_due(self, on: date) -> int | None:
        return (self.due - on).days if self.due else None


@dataclass(frozen=True)
class Calendar:
    """When periods start and when reports are due, as the settings say."""

    starts_on: int = 1
    due_day: int = 26

    def month(self, year: int, month: int) -> Period:
        """The period named by this month: it ends in it."""
        if self.starts_on == 1:
            start = date(year, month, 1)
            end = _next_month(start) - timedelta(days=1)
        else:
            end = date(year, month, self.starts_on) - timedelta(days=1)
            start = _previous_month(date(year, month, self.starts_on))
        return Period(f"{year:04d}-{month:02d}", start, end, self._due_after(end))

    def year(self, year: int) -> Period:
        return Period(f"{year:04d}", date(year, 1, 1), date(year, 12, 31))

    def parse(self, text: str) -> Period:
        """A period as written in a link or a query: 2026-11, or 2026."""
        try:
            if len(text) == 4 and text.isdigit():
                return self.year(int(text))
            year, month = text.split("-")
            if len(year) == 4 and len(month) == 2:
                return self.month(int(year), int(month))
        except ValueError:
            pass
        raise DomainError(
            ErrorCode.INVALID,
            _("Write a month as 2026-11, or a year as 2026."),
            field="month",
        )

    def due_next(self, on: date) -> Period:
        """The report to send next: the latest ended one not yet due, else
        the one under way."""
        current = self.month(on.year, on.month)
        if current.end < on:
            current = self.month(*month_after(on.year, on.month))
        previous = self.month(*month_before(current.end.year, current.end.month))
        if previous.end < on <= (previous.due or on):
            return previous
        return current

    def _due_after(self, end: date) -> date:
        due = end.replace(day=self.due_day)
        return due if due > end else _next_month(due)


def _next_month(day: date) -> date:
    year, month = month_after(day.year, day.month)
    return day.replace(year=year, month=month)


def _previous_month(day: date) -> date:
    year, month = month_before(day.year, day.month)
    return day.replace(year=year, month=month)


def month_after(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def month_before(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


# --- what each figure counts ------------------------------------------------------


class Record(StrEnum):
    """The kind of rows behind a figure, which decides how a page lists them."""

    PATROL = "PATROL"
    VILLAGE = "VILLAGE"
    CASE = "CASE"
    EVENT = "EVENT"
    NOTICE = "NOTICE"
    DISPATCH = "DISPATCH"
    INSPECTION = "INSPECTION"
    INSTITUTION = "INSTITUTION"
    CARD_CHANGE = "CARD_CHANGE"
    LIST_CHANGE = "LIST_CHANGE"
    COMPLAINT = "COMPLAINT"
    REGISTER = "REGISTER"


Rows = Callable[[Period], Awaitable[QuerySet]]
Held = Callable[[Period], Awaitable["HeldAtEnd"]]


@dataclass(frozen=True)
class Source:
    """How to find the records behind a figure, and how to split it.

    A figure splits by a column of its records (a case's kind), or, for the
    institutions' cards and lists at the period's end, by the value `held`
    gives each institution. Its parts' keys are "name.VALUE" for each of
    `groups`, NONE standing for no value (no card yet, on no list).
    """

    record: Record
    rows: Rows | None
    label: str  # the figure's name, to translate
    group_by: str | None = None
    groups: tuple[str, ...] = ()
    held: Held | None = None

    async def records(self, period: Period, group: str | None = None) -> QuerySet:
        if self.held is not None:
            return await (await self.held(period)).institutions(group)
        rows = await self.rows(period)
        if group is None:
            return rows
        if group == NONE:
            return rows.filter(**{f"{self.group_by}__isnull": True})
        return rows.filter(**{self.group_by: group})

    async def counts(self, period: Period) -> dict[str, int]:
        """How many records each group holds."""
        if self.held is not None:
            return await (await self.held(period)).counts()
        rows = await self.rows(period)
        grouped = (
            rows.annotate(counted=Count("id"))
            .group_by(self.group_by)
            .values_list(self.group_by, "counted")
        )
        return {value or NONE: count for value, count in await grouped}


def on_days_of(period: Period, column: str) -> Q:
    """Rows whose date `column` falls in the period."""
    return Q(**{f"{column}__gte": period.start, f"{column}__lte": period.end})


def at_moments_of(period: Period, column: str) -> Q:
    """Rows whose moment `column` falls in the period, in the office's time."""
    return Q(
        **{f"{column}__gte": period.starts_at, f"{column}__lt": period.ends_before}
    )


async def _patrols(period: Period) -> QuerySet:
    return Patrol.filter(on_days_of(period, "patrolled_on"))


async def _villages_patrolled(period: Period) -> QuerySet:
    patrolled = Patrol.filter(on_days_of(period, "patrolled_on")).values("village_id")
    return Village.filter(id__in=Subquery(patrolled))


async def _villages_not_patrolled(period: Period) -> QuerySet:
    # Distinct, so that PostgreSQL can hash the few ids a year's hundreds of
    # thousands of patrols name: NOT IN over the raw rows is checked row by
    # row, once for every village.
    patrolled = (
        Patrol.filter(on_days_of(period, "patrolled_on"))
        .distinct()
        .values("village_id")
    )
    return Village.exclude(id__in=Subquery(patrolled))


async def _found(period: Period) -> QuerySet:
    return Case.filter(on_days_of(period, "reported_on"))


def _events(*actions: CaseAction) -> Rows:
    async def rows(period: Period) -> QuerySet:
        return CaseEvent.filter(at_moments_of(period, "at"), action__in=list(actions))

    return rows


async def _open_at_end(period: Period) -> QuerySet:
    """Cases reported by the period's end and not ended by then."""
    return Case.filter(reported_on__lte=period.end).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=period.ends_before)
    )


async def _notices_issued(period: Period) -> QuerySet:
    return Notice.filter(on_days_of(period, "issued_on"))


async def _notices_due(period: Period) -> QuerySet:
    return Notice.filter(on_days_of(period, "deadline"))


async def _notices_overdue(period: Period) -> QuerySet:
    """Notices whose deadline passed in the period with no step taken on
    their case after the notice and by its deadline."""
    last_day = min(period.end, today() - timedelta(days=1))
    return (
        Notice.filter(deadline__gte=period.start, deadline__lte=last_day)
        .annotate(followed_up=RawSQL(_followed_up_sql()))
        .filter(followed_up=0)
    )


def _followed_up_sql() -> str:
    """1 if a step came on the notice's case after the notice, by the end of
    its deadline; else 0. Evaluated by the database for each notice, so that
    a province's year of notices is judged without reading its events.

    The notice's own event says when it was issued: a check of the case the
    same morning came before it and does not follow it up. Times are
    compared as stored: SQLite keeps them as text in the office's time,
    which sorts as the moments do.
    """
    if _postgres():
        zone = f"'{OFFICE_TIMEZONE.key}'"
        notice_of = "i.details->>'notice'"
        midnight = f'("notice"."issued_on"::timestamp AT TIME ZONE {zone})'
        until = f'(("notice"."deadline" + 1)::timestamp AT TIME ZONE {zone})'
    else:
        offset = _office_offset()
        notice_of = "json_extract(i.details, '$.notice')"
        midnight = f'("notice"."issued_on" || \' 00:00:00{offset}\')'
        until = f"(date(\"notice\".\"deadline\", '+1 day') || ' 00:00:00{offset}')"
    issued = (
        "(SELECT MIN(i.at) FROM case_event i "
        'WHERE i.case_id = "notice"."case_id" '
        f"AND i.action = '{CaseAction.ISSUE_NOTICE}' "
        f'AND {notice_of} = "notice"."number")'
    )
    return (
        "CASE WHEN EXISTS (SELECT 1 FROM case_event e "
        'WHERE e.case_id = "notice"."case_id" '
        f"AND e.action <> '{CaseAction.ISSUE_NOTICE}' "
        f"AND e.at > COALESCE({issued}, {midnight}) "
        f"AND e.at < {until}) THEN 1 ELSE 0 END"
    )


def _office_offset() -> str:
    """The office's offset from UTC as SQLite's stored times end, e.g. +08:00."""
    offset = datetime.now(OFFICE_TIMEZONE).strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


async def _dispatches_sent(period: Period) -> QuerySet:
    return Dispatch.filter(at_moments_of(period, "sent_at"))


async def _dispatches_answered(period: Period) -> QuerySet:
    return Dispatch.filter(at_moments_of(period, "reported_at"))


async def _dispatches_late(period: Period) -> QuerySet:
    """Dispatches due in the period and answered after it was due, or not at all."""
    due = Dispatch.filter(at_moments_of(period, "due_at"), due_at__lt=_now())
    late = [
        row["id"]
        for row in await due.values("id", "due_at", "reported_at")
        if row["reported_at"] is None or row["reported_at"] > row["due_at"]
    ]
    return Dispatch.filter(id__in=late)


async def _inspections(period: Period) -> QuerySet:
    return Inspection.filter(on_days_of(period, "inspected_on"))


def _licensed() -> QuerySet:
    return Institution.filter(license_status=LicenseStatus.LICENSED)


async def _inspected(period: Period) -> QuerySet:
    inspected = Inspection.filter(on_days_of(period, "inspected_on")).values(
        "institution_id"
    )
    return Institution.filter(id__in=Subquery(inspected))


async def _not_inspected(period: Period) -> QuerySet:
    # Distinct for the reason given in `_villages_not_patrolled`.
    inspected = (
        Inspection.filter(on_days_of(period, "inspected_on"))
        .distinct()
        .values("institution_id")
    )
    return _licensed().exclude(id__in=Subquery(inspected))


async def _cards_at_end(period: Period) -> "HeldAtEnd":
    """The card each institution held at the period's end."""
    since = CardChange.filter(at__gte=period.ends_before)
    return HeldAtEnd(CARD_HISTORY, period.ends_before, since)


async def _lists_at_end(period: Period) -> "HeldAtEnd":
    """The list each institution was on at the period's end: its newest move
    in force by then, counted from when it was confirmed."""
    end = period.ends_before
    since = ListChange.filter(state=ListChangeState.APPLIED).filter(
        Q(decided_at__gte=end) | Q(decided_at__isnull=True, at__gte=end)
    )
    return HeldAtEnd(LIST_HISTORY, end, since)


@dataclass(frozen=True)
class ValueHistory:
    """A value an institution holds, in a column of the same name on the
    institution and on each of its changes, and how to read those changes.

    Each fragment is SQL about one change, named by `{c}`: `in_force` holds
    for a change that counts at all; `took_effect` says when it did; `since`
    is "took effect at or after {end}", written so that the indexes serve it.
    """

    column: str
    changes: type[Model]
    in_force: str
    took_effect: str
    since: str


CARD_HISTORY = ValueHistory(
    column="card",
    changes=CardChange,
    in_force="TRUE",
    took_effect="{c}.at",
    since="{c}.at >= {end}",
)

# A move onto the black list waits for a second administrator: it takes
# effect when confirmed, and a superseded or refused one never does.
LIST_HISTORY = ValueHistory(
    column="list_name",
    changes=ListChange,
    in_force=f"{{c}}.state = '{ListChangeState.APPLIED}'",
    took_effect="COALESCE({c}.decided_at, {c}.at)",
    since="({c}.decided_at >= {end} OR ({c}.decided_at IS NULL AND {c}.at >= {end}))",
)


@dataclass(frozen=True)
class HeldAtEnd:
    """The value each institution held at a period's end, for every licensed
    institution (None: no card yet, on no list) and every other that held a
    value then: a place that is not licensed counts only while it holds a
    card or is on a list.

    An institution stores the value its newest change gave it, and each
    change the value it replaced. So an institution changed `since` the end
    held then what its first change after the end replaced, and any other
    holds now what it held then. Only a change proposed before the end and
    confirmed after it replaced a value that may have changed meanwhile: for
    those few the newest change in force by the end says. Tortoise has no
    window functions, so the values are computed in SQL written here.
    """

    history: ValueHistory
    end: datetime
    since: QuerySet

    async def counts(self) -> dict[str, int]:
        statement = (
            f"SELECT held, COUNT(*) AS institutions FROM ({self._held_sql('LEFT')}) "
            "AS counted GROUP BY held"
        )
        rows = await self._query(statement)
        return {row["held"] or NONE: row["institutions"] for row in rows}

    async def institutions(self, group: str | None) -> QuerySet:
        """The institutions holding `group` (NONE: no value), or all of them."""
        column = self.history.column
        changed = Subquery(self.since.distinct().values("institution_id"))
        unchanged = Institution.exclude(id__in=changed).filter(
            Q(license_status=LicenseStatus.LICENSED) | Q(**{f"{column}__isnull": False})
        )
        if group == NONE:
            unchanged = unchanged.filter(**{f"{column}__isnull": True})
        elif group is not None:
            unchanged = unchanged.filter(**{column: group})

        rows = await self._query(self._held_sql("INNER"))
        held = [row["id"] for row in rows if group in (None, row["held"] or NONE)]
        if len(held) > MOST_LISTED_BY_ID:
            message = _(
                "Too many institutions changed since this period to list them; "
                "choose a later period."
            )
            raise DomainError(ErrorCode.INVALID, message)
        return Institution.filter(
            Q(id__in=Subquery(unchanged.values("id"))) | Q(id__in=held)
        )

    def _held_sql(self, join: str) -> str:
        """Each institution's id and the value it held at the end, for those
        that count; with an INNER join only those changed since the end."""
        history = self.history
        table = f'"{history.changes._meta.db_table}"'
        column = f'"{history.column}"'
        end = "$1" if _postgres() else "?1"

        def about(change: str, fragment: str) -> str:
            return fragment.format(c=change, end=end)

        in_order = f"{about('c', history.took_effect)}, c.id"
        first_since = (
            "SELECT c.institution_id, c.previous, c.at, ROW_NUMBER() OVER ("
            f"PARTITION BY c.institution_id ORDER BY {in_order}) AS place "
            f"FROM {table} c "
            f"WHERE {about('c', history.in_force)} AND {about('c', history.since)}"
        )
        newest_before = (
            f"SELECT h.{column} FROM {table} h WHERE h.institution_id = i.id "
            f"AND {about('h', history.in_force)} "
            f"AND {about('h', history.took_effect)} < {end} "
            "ORDER BY h.at DESC, h.id DESC LIMIT 1"
        )
        held = (
            f"CASE WHEN f.institution_id IS NULL THEN i.{column} "
            f"WHEN f.at >= {end} THEN f.previous ELSE ({newest_before}) END"
        )
        every = (
            f"SELECT i.id, i.license_status, {held} AS held FROM institution i "
            f"{join} JOIN ({first_since}) AS f "
            "ON f.institution_id = i.id AND f.place = 1"
        )
        return (
            f"SELECT id, held FROM ({every}) AS at_end "
            f"WHERE held IS NOT NULL OR license_status = '{LicenseStatus.LICENSED}'"
        )

    async def _query(self, statement: str) -> list[Any]:
        """Run `statement` with the end as its one parameter, stored as the
        changes' own times are, so that SQLite compares like with like."""
        end = self.history.changes._meta.fields_map["at"].to_db_value(
            self.end, self.history.changes
        )
        connection = Tortoise.get_connection("default")
        _count, rows = await connection.execute_query(statement, [end])
        return list(rows)


def _postgres() -> bool:
    return Tortoise.get_connection("default").capabilities.dialect == "postgres"


# Ids sent as the parameters of one statement: well under the limits of
# SQLite and PostgreSQL, which refuse more than about 32,000.
MOST_LISTED_BY_ID = 20_000


async def _card_changes(period: Period) -> QuerySet:
    return CardChange.filter(at_moments_of(period, "at"))


async def _list_changes(period: Period) -> QuerySet:
    return ListChange.filter(state=ListChangeState.APPLIED).filter(
        at_moments_of(period, "decided_at")
        | (Q(decided_at__isnull=True) & at_moments_of(period, "at"))
    )


async def _complaints_received(period: Period) -> QuerySet:
    return Complaint.filter(at_moments_of(period, "received_at"))


async def _complaints_triaged(period: Period) -> QuerySet:
    return Complaint.filter(at_moments_of(period, "triaged_at"))


async def _register(period: Period) -> QuerySet:
    return RegisterEntry.filter(at_moments_of(period, "at"))


def _now() -> datetime:
    return datetime.now(OFFICE_TIMEZONE)


WORKFLOW_STEPS = tuple(a.value for a in CaseAction if a != CaseAction.REPORT)
CARDS = (*(card.value for card in Card), NONE)
LISTS = (*(name.value for name in ListName), NONE)
TRIAGED = tuple(s.value for s in ComplaintState if s != ComplaintState.RECEIVED)

SOURCES: dict[str, Source] = {
    "patrols": Source(Record.PATROL, _patrols, N_("Patrols made")),
    "villages_patrolled": Source(
        Record.VILLAGE, _villages_patrolled, N_("Villages patrolled")
    ),
    "villages_not_patrolled": Source(
        Record.VILLAGE, _villages_not_patrolled, N_("Villages not patrolled")
    ),
    "found": Source(
        Record.CASE,
        _found,
        N_("Problems found"),
        group_by="kind",
        groups=tuple(kind.value for kind in CaseKind),
    ),
    "verified": Source(
        Record.EVENT, _events(CaseAction.VERIFY), N_("Cases opened after checking")
    ),
    "steps": Source(
        Record.EVENT,
        _events(*(CaseAction(step) for step in WORKFLOW_STEPS)),
        N_("Steps taken on cases"),
        group_by="action",
        groups=WORKFLOW_STEPS,
    ),
    "closed": Source(
        Record.EVENT, _events(CaseAction.CLOSE_OUT), N_("Cases closed out")
    ),
    "open_at_end": Source(
        Record.CASE, _open_at_end, N_("Cases still open at the period's end")
    ),
    "notices_issued": Source(Record.NOTICE, _notices_issued, N_("Notices issued")),
    "notices_due": Source(
        Record.NOTICE, _notices_due, N_("Notices whose deadline fell in the period")
    ),
    "notices_overdue": Source(
        Record.NOTICE,
        _notices_overdue,
        N_("Notices past their deadline with nothing done"),
    ),
    "dispatches_sent": Source(
        Record.DISPATCH, _dispatches_sent, N_("Dispatches to member units")
    ),
    "dispatches_answered": Source(
        Record.DISPATCH, _dispatches_answered, N_("Dispatches answered")
    ),
    "dispatches_late": Source(
        Record.DISPATCH, _dispatches_late, N_("Dispatches answered late or not at all")
    ),
    "inspections": Source(Record.INSPECTION, _inspections, N_("Inspections")),
    "inspected": Source(Record.INSTITUTION, _inspected, N_("Institutions inspected")),
    "not_inspected": Source(
        Record.INSTITUTION, _not_inspected, N_("Licensed institutions not inspected")
    ),
    "cards": Source(
        Record.INSTITUTION,
        None,
        N_("Cards at the period's end"),
        groups=CARDS,
        held=_cards_at_end,
    ),
    "card_changes": Source(
        Record.CARD_CHANGE,
        _card_changes,
        N_("Card changes"),
        group_by="card",
        groups=CARDS,
    ),
    "lists": Source(
        Record.INSTITUTION,
        None,
        N_("Lists at the period's end"),
        groups=LISTS,
        held=_lists_at_end,
    ),
    "list_changes": Source(
        Record.LIST_CHANGE,
        _list_changes,
        N_("List moves"),
        group_by="list_name",
        groups=LISTS,
    ),
    "complaints_received": Source(
        Record.COMPLAINT, _complaints_received, N_("Reports from the public received")
    ),
    "complaints_triaged": Source(
        Record.COMPLAINT,
        _complaints_triaged,
        N_("Reports triaged"),
        group_by="state",
        groups=TRIAGED,
    ),
    "register": Source(Record.REGISTER, _register, N_("Updates of students and fees")),
}

SECTIONS = (
    (
        "patrols",
        N_("Patrols"),
        ("patrols", "villages_patrolled", "villages_not_patrolled"),
    ),
    ("problems", N_("Problems found"), ("found",)),
    ("cases", N_("Cases"), ("verified", "steps", "closed", "open_at_end")),
    ("notices", N_("Notices"), ("notices_issued", "notices_due", "notices_overdue")),
    (
        "dispatches",
        N_("Dispatch and report"),
        ("dispatches_sent", "dispatches_answered", "dispatches_late"),
    ),
    ("inspections", N_("Inspections"), ("inspections", "inspected", "not_inspected")),
    (
        "standing",
        N_("Cards and lists"),
        ("cards", "card_changes", "lists", "list_changes"),
    ),
    (
        "complaints",
        N_("Reports from the public"),
        ("complaints_received", "complaints_triaged"),
    ),
    ("students", N_("Students and fees"), ("register",)),
)


# --- the report -----------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    key: str  # the records' key, as the drill-down page takes it
    label: str  # a whole figure's name; a part is named by its group
    value: int
    of: int | None = None  # out of how many, where that says more
    group: str | None = None  # a part's value: a kind of case, a card, NONE …
    parts: list["Figure"] = field(default_factory=list)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    figures: list[Figure]


@dataclass(frozen=True)
class Scores:
    average: Decimal | None
    lowest: Decimal | None
    highest: Decimal | None


@dataclass(frozen=True)
class Resettlement:
    students_resettled: int
    fees_refunded: Decimal


@dataclass(frozen=True)
class MonthlyReport:
    period: Period
    sections: list[Section]
    scores: Scores
    resettlement: Resettlement

    def figure(self, key: str) -> Figure:
        """A figure by its key; "found.UNLICENSED" names a part."""
        for section in self.sections:
            for figure in section.figures:
                if figure.key == key:
                    return figure
                for part in figure.parts:
                    if part.key == key:
                        return part
        raise KeyError(key)


# Figures counted at the same time, each on a connection of its own: the
# report's time is nearly all the database's. A few, not all, so that one
# report leaves connections to the requests arriving meanwhile.
FIGURES_AT_ONCE = 3


async def monthly_report(actor: Actor, period: Period) -> MonthlyReport:
    """Every figure of the period, each from a count of its records."""
    require(actor, Permission.READ_REPORTS)
    villages, licensed = await at_once(
        [Village.all().count(), _licensed().count()], FIGURES_AT_ONCE
    )
    totals = {"villages": villages, "licensed": licensed}

    counted = [
        name
        for _key, _title, names in SECTIONS
        for name in names
        if name not in COMPLEMENTS
    ]
    *figures, scores, resettled = await at_once(
        [
            *(_figure(name, period, totals) for name in counted),
            _scores(period),
            resettlement(period),
        ],
        FIGURES_AT_ONCE,
    )
    by_name = dict(zip(counted, figures, strict=True))
    for name, complement in COMPLEMENTS.items():
        by_name[name] = _complement(name, by_name[complement], totals)

    sections = [
        Section(key, gettext(title), [by_name[name] for name in names])
        for key, title, names in SECTIONS
    ]
    return MonthlyReport(
        period=period, sections=sections, scores=scores, resettlement=resettled
    )


OUT_OF = {
    "villages_patrolled": "villages",
    "villages_not_patrolled": "villages",
    "inspected": "licensed",
    "not_inspected": "licensed",
}


# Figures that are the rest of another out of the same total: every patrol
# names a recorded village, so the villages not patrolled are all the others.
# Counted by subtraction, since at a province's scale each count of a
# period's patrols reads tens of thousands of rows.
COMPLEMENTS = {"villages_not_patrolled": "villages_patrolled"}


def _complement(name: str, complement: Figure, totals: dict[str, int]) -> Figure:
    of = totals[OUT_OF[name]]
    label = gettext(SOURCES[name].label)
    return Figure(name, label, of - complement.value, of=of)


async def _figure(name: str, period: Period, totals: dict[str, int]) -> Figure:
    source = SOURCES[name]
    label = gettext(source.label)
    if not source.groups:
        of = totals.get(OUT_OF.get(name, ""))
        rows = await source.records(period)
        return Figure(name, label, await rows.count(), of=of)

    counted = await source.counts(period)
    parts = [
        Figure(f"{name}.{group}", label, counted.get(group, 0), group=group)
        for group in source.groups
    ]
    return Figure(name, label, sum(part.value for part in parts), parts=parts)


async def _scores(period: Period) -> Scores:
    row = await (
        Inspection.filter(on_days_of(period, "inspected_on"))
        .annotate(average=Avg("score"), lowest=Min("score"), highest=Max("score"))
        .first()
        .values("average", "lowest", "highest")
    )
    row = row or {}
    average = row.get("average")
    return Scores(
        average=Decimal(str(average)).quantize(Decimal("0.1")) if average else None,
        lowest=_decimal(row.get("lowest")),
        highest=_decimal(row.get("highest")),
    )


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


async def resettlement(period: Period) -> Resettlement:
    """Students resettled and fees refunded within the period: for each case,
    its register at the period's end less its register before it began.

    Only a case whose register was updated within the period can differ,
    so only their registers are read, however long the history."""
    updated = RegisterEntry.filter(at_moments_of(period, "at")).values("case_id")
    entries = (
        RegisterEntry.filter(case_id__in=Subquery(updated), at__lt=period.ends_before)
        .order_by("case_id", "at", "id")
        .values_list("case_id", "at", "students_resettled", "fees_refunded")
    )
    before: dict[int, tuple[int, Decimal]] = {}
    after: dict[int, tuple[int, Decimal]] = {}
    for case_id, at, resettled, refunded in await entries:
        after[case_id] = (resettled, Decimal(refunded))
        if at < period.starts_at:
            before[case_id] = after[case_id]
    students = sum(after[c][0] - before.get(c, (0, 0))[0] for c in after)
    fees = sum(
        (after[c][1] - before.get(c, (0, Decimal(0)))[1] for c in after), Decimal(0)
    )
    return Resettlement(students_resettled=students, fees_refunded=fees)


# --- the records behind a figure ------------------------------------------------------


async def records_behind(
    actor: Actor, period: Period, key: str
) -> tuple[Record, QuerySet]:
    """The kind and the query of the records a figure counts, for a page to
    list them."""
    require(actor, Permission.READ_REPORTS)
    name, dot, group = key.partition(".")
    source = SOURCES.get(name)
    if source is None or (dot and group not in source.groups):
        raise DomainError(ErrorCode.NOT_FOUND, _("The report has no such figure."))
    return source.record, await source.records(period, group or None)
