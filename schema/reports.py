"""The monthly report (月报) and the workload statements over GraphQL.

Every figure is the domain's, counted from the records; the API adds none of
its own, so the report a program reads is the one the office sends.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated, ClassVar, Self

import strawberry
from strawberry import relay

from schema import types
from schema.context import Info
from server import reports, workload
from server.reports import Calendar

MONEY = "In yuan, as a decimal string."
SCORE = (
    "As a decimal string with one decimal place, such as 91.5; null when there "
    "was no inspection."
)

Month = Annotated[
    str,
    strawberry.argument(
        description="The period: a month as 2026-11, or a whole year as 2026. A "
        "month is the office's reporting month, which ends in that month."
    ),
]


def _global_id(type_name: str, record_id: int) -> strawberry.ID:
    return strawberry.ID(str(relay.GlobalID(type_name, str(record_id))))


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def calendar(info: Info) -> Calendar:
    """The reporting months as the settings set them."""
    settings = info.context.request.app.state.settings
    return Calendar(settings.report_period_starts_on, settings.report_due_day)


# --- the report ----------------------------------------------------------------------


@strawberry.type(description="The days a report covers, both ends included.")
class ReportPeriod(types.FromRow):
    name: str = strawberry.field(description="2026-11 for a month, 2026 for a year.")
    start: date = strawberry.field(description="The first day covered.")
    end: date = strawberry.field(description="The last day covered.")
    due: date | None = strawberry.field(
        description="When the office must send the report; null for a year."
    )


@strawberry.type(
    description="A number of the report, counted from the records of the period; "
    "the staff pages list the records behind it."
)
class ReportFigure(types.FromRow):
    COLUMNS: ClassVar[dict[str, str]] = {"split_into": "parts"}

    key: str = strawberry.field(
        description="Names the figure, such as `patrols`, or one of its parts, "
        "such as `found.UNLICENSED`."
    )
    label: str = strawberry.field(
        description="What it counts, in the reader's language; a part has its "
        "figure's label and is told apart by `group`."
    )
    value: int = strawberry.field(description="How many records it counts.")
    of: int | None = strawberry.field(
        description="Out of how many, where that says more: the villages, or "
        "the licensed institutions; null otherwise."
    )
    group: str | None = strawberry.field(
        description="A part's value: a kind of case, a step, a card, a list, a "
        "report's state; NONE for no card or no list. Null for a whole figure."
    )
    split_into: strawberry.Private[list[reports.Figure]]

    @strawberry.field(
        description="The figure split by `group`, every group listed, 0 or not; "
        "their values add up to the figure's. Empty for a figure not split."
    )
    def parts(self) -> list["ReportFigure"]:
        return ReportFigure.from_rows(self.split_into)


@strawberry.type(description="A section of the report and its figures, in order.")
class ReportSection(types.FromRow):
    key: str = strawberry.field(description="Such as `patrols` or `notices`.")
    title: str = strawberry.field(description="In the reader's language.")
    figures: list[ReportFigure] = strawberry.field(description="In the report's order.")

    @classmethod
    def from_row(cls, row: reports.Section) -> Self:
        return cls(
            key=row.key, title=row.title, figures=ReportFigure.from_rows(row.figures)
        )


@strawberry.type(description="The scores of the period's inspections.")
class ReportScores(types.FromRow):
    COLUMNS: ClassVar[dict[str, str]] = {
        "mean": "average",
        "low": "lowest",
        "high": "highest",
    }

    mean: strawberry.Private[Decimal | None]
    low: strawberry.Private[Decimal | None]
    high: strawberry.Private[Decimal | None]

    @strawberry.field(description="The average score. " + SCORE)
    def average(self) -> str | None:
        return _text(self.mean)

    @strawberry.field(description="The lowest score. " + SCORE)
    def lowest(self) -> str | None:
        return _text(self.low)

    @strawberry.field(description="The highest score. " + SCORE)
    def highest(self) -> str | None:
        return _text(self.high)


@strawberry.type(
    description="Students resettled and fees refunded within the period: for "
    "each case, its register at the period's end less its register before it."
)
class ReportResettlement(types.FromRow):
    COLUMNS: ClassVar[dict[str, str]] = {"refunded": "fees_refunded"}

    students_resettled: int = strawberry.field(description="Students resettled.")
    refunded: strawberry.Private[Decimal]

    @strawberry.field(description="Fees refunded. " + MONEY)
    def fees_refunded(self) -> str:
        return str(self.refunded)


@strawberry.type(
    description="The monthly report (月报): every figure the office sends about "
    "the period, by section."
)
class MonthlyReport:
    period: ReportPeriod = strawberry.field(description="The days it covers.")
    sections: list[ReportSection] = strawberry.field(
        description="In the report's order."
    )
    scores: ReportScores = strawberry.field(description="Of the inspections.")
    resettlement: ReportResettlement = strawberry.field(
        description="Of the students and fees of cases."
    )
    report: strawberry.Private[reports.MonthlyReport]

    @classmethod
    def from_row(cls, row: reports.MonthlyReport) -> Self:
        return cls(
            period=ReportPeriod.from_row(row.period),
            sections=[ReportSection.from_row(section) for section in row.sections],
            scores=ReportScores.from_row(row.scores),
            resettlement=ReportResettlement.from_row(row.resettlement),
            report=row,
        )

    @strawberry.field(
        description="One figure, or one part of it, by its key; null if the "
        "report has no such figure."
    )
    def figure(
        self,
        key: Annotated[
            str,
            strawberry.argument(
                description="Such as `notices_overdue` or `cards.GREEN`."
            ),
        ],
    ) -> ReportFigure | None:
        try:
            return ReportFigure.from_row(self.report.figure(key))
        except KeyError:
            return None


# --- the workload ----------------------------------------------------------------


@strawberry.type(
    description="One person's work in the period: a social supervisor's patrols "
    "and problems, a party-building instructor's inspections."
)
class PersonWork(types.FromRow):
    person_id: strawberry.Private[int]
    name: str = strawberry.field(description="The person's name.")
    patrols: int = strawberry.field(description="Patrols made.")
    problems_found: int = strawberry.field(description="Cases they reported.")
    followed_through: int = strawberry.field(
        description="Cases they reported that were closed out in the period."
    )
    inspections: int = strawberry.field(description="Inspections made.")
    institutions_inspected: int = strawberry.field(
        description="Institutions they inspected, each counted once."
    )
    institutions_posted: int = strawberry.field(
        description="Institutions they are posted to now."
    )
    findings_followed_up: int = strawberry.field(
        description="Findings of their inspections fixed in the period."
    )
    total: int = strawberry.field(
        description="What the commendation ranks by: patrols, problems found, "
        "cases followed through, inspections and findings followed up, one each."
    )

    @strawberry.field(
        description="The Person's global id, which `node(id:)` resolves for "
        "whoever may see the person; null in a statement's total."
    )
    def person(self) -> strawberry.ID | None:
        return _global_id("Person", self.person_id) if self.person_id else None


@strawberry.type(
    description="What a school or a village committee receives: the work of its "
    "people, the most first."
)
class WorkloadStatement:
    id: strawberry.ID = strawberry.field(
        description="The global id of the School or the Village."
    )
    name: str = strawberry.field(description="The school's or the village's name.")
    people: list[PersonWork] = strawberry.field(
        description="Its instructors, or the supervisors posted to the village."
    )
    total: PersonWork = strawberry.field(description="Everyone's figures added up.")

    @classmethod
    def from_row(cls, row: workload.Statement) -> Self:
        return cls(
            id=_global_id("School" if row.kind == "school" else "Village", row.id),
            name=row.name,
            people=PersonWork.from_rows(row.people),
            total=PersonWork.from_row(row.total),
        )


@strawberry.type(
    description="The workload fed back each month to the schools and the villages."
)
class Workload:
    period: ReportPeriod = strawberry.field(description="The days it covers.")
    schools: list[WorkloadStatement] = strawberry.field(
        description="One statement for each school, for its instructors."
    )
    villages: list[WorkloadStatement] = strawberry.field(
        description="One statement for each village, for its supervisors."
    )

    @classmethod
    def from_row(cls, row: workload.Workload) -> Self:
        return cls(
            period=ReportPeriod.from_row(row.period),
            schools=[WorkloadStatement.from_row(s) for s in row.schools],
            villages=[WorkloadStatement.from_row(s) for s in row.villages],
        )


# --- reading --------------------------------------------------------------------------


@strawberry.type
class ReportQuery:
    @strawberry.field(
        description="The monthly report of a month or a year, for administrators, "
        "leaders and tokens."
    )
    async def monthly_report(self, info: Info, month: Month) -> MonthlyReport:
        period = calendar(info).parse(month)
        report = await reports.monthly_report(info.context.actor, period)
        return MonthlyReport.from_row(report)

    @strawberry.field(
        description="Every supervisor's and instructor's work in a month or a "
        "year, by school and by village, for administrators, leaders and tokens."
    )
    async def workload(self, info: Info, month: Month) -> Workload:
        period = calendar(info).parse(month)
        statements = await workload.workload(info.context.actor, period)
        return Workload.from_row(statements)
