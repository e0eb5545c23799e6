"""Supervising institutions over GraphQL: inspections and what they found,
scoring templates, and the cards and lists that follow from them."""

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Self

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from schema import types
from schema.cases import Case
from schema.connections import (
    After,
    Before,
    Connection,
    First,
    Last,
    connection,
    page_request,
)
from schema.context import Info
from schema.ids import parse_global_id, record_id
from schema.mutations import FieldError, as_field_error, attempt, decode_id
from server import inspections, institutions, models, scoring, standing
from server import supervision_reads as reads
from server.clock import today
from server.errors import DomainError, Refused

ItemKind = strawberry.enum(
    models.ItemKind,
    description="STANDARD: worth its points, less what falls short; BONUS: adds "
    "up to its points when earned; VETO: worth nothing, but a breach makes the "
    "card red on its own (一票否决).",
)
ListSource = strawberry.enum(
    models.ListSource,
    description="RULE: a list rule moved it; OFFICE: the office decided.",
)
ListChangeState = strawberry.enum(
    models.ListChangeState,
    description="APPLIED: in force, or was; PENDING: a move onto or off the "
    "blacklist waiting for a second administrator; REJECTED: refused by one; "
    "SUPERSEDED: a later move replaced it while it waited.",
)

POINTS = "As a decimal string with one decimal place, such as 4.5."
ERRORS = "Why the write was refused; empty when it was made."


# --- scoring templates ------------------------------------------------------------


@strawberry.type(description="An item of a scoring template's checklist.")
class TemplateItem(types.Record):
    LOADER = "template_item"
    COLUMNS: ClassVar[dict[str, str]] = {"worth": "points"}

    id: relay.NodeID[int]
    position: int = strawberry.field(description="Its place in the template, from 1.")
    section: str = strawberry.field(description="The section it is listed under.")
    text: str = strawberry.field(description="What the inspector checks.")
    kind: ItemKind = strawberry.field(description="How it counts in the score.")
    worth: strawberry.Private[Decimal]
    template_id: strawberry.Private[int]

    @strawberry.field(
        description="What a standard or bonus item is worth; 0 for a veto item. "
        + POINTS
    )
    def points(self) -> str:
        return str(self.worth)


@strawberry.type(description="The items of one section of a template, in order.")
class TemplateSection:
    name: str = strawberry.field(description="Such as 场地与消防安全.")
    items: list[TemplateItem] = strawberry.field(description="In the template's order.")


@strawberry.type(
    description="A version of the checklist inspections are scored with (评分模板). "
    "A version never changes: an edit saves a new one."
)
class ScoringTemplate(types.Record):
    LOADER = "scoring_template"

    id: relay.NodeID[int]
    version: int = strawberry.field(description="1 for the first, then 2, 3 …")
    name: str = strawberry.field(description="The checklist's title.")
    note: str = strawberry.field(description="What changed from the version before.")
    created_at: datetime = strawberry.field(description="When it was saved.")
    created_by: str = strawberry.field(description="The login that saved it.")

    @strawberry.field(description="Every item, in the template's order.")
    async def items(self, info: Info) -> list[TemplateItem]:
        rows = await info.context.loaders.items_of_template.load(self.id)
        return TemplateItem.from_rows(rows)

    @strawberry.field(description="The items by section, in the template's order.")
    async def sections(self, info: Info) -> list[TemplateSection]:
        grouped: dict[str, list[TemplateItem]] = {}
        for item in await self.items(info):
            grouped.setdefault(item.section, []).append(item)
        return [
            TemplateSection(name=name, items=items) for name, items in grouped.items()
        ]


# --- inspections --------------------------------------------------------------------


@strawberry.type(description="How an institution fared on one item of the checklist.")
class InspectionResult:
    item: TemplateItem = strawberry.field(description="The item of the checklist.")
    points: str = strawberry.field(
        description="Deducted from a standard item, or earned on a bonus item. "
        + POINTS
    )
    breached: bool = strawberry.field(description="A veto item was breached.")
    note: str = strawberry.field(description="What the inspector noted on it.")

    @classmethod
    def from_row(cls, row: models.InspectionResult) -> Self:
        return cls(
            item=TemplateItem.from_row(row.item),
            points=str(row.points),
            breached=row.breached,
            note=row.note,
        )


@strawberry.type(
    description="Something an inspection found that must be fixed by a deadline "
    "(整改问题)."
)
class Finding(types.Record):
    LOADER = "finding"

    id: relay.NodeID[int]
    text: str = strawberry.field(
        description="What must be fixed; the item's own text unless the inspector "
        "wrote more."
    )
    deadline: date = strawberry.field(description="When it must be fixed by.")
    serious: bool = strawberry.field(
        description="Serious findings, and every breached veto item, open a case."
    )
    resolved_on: date | None = strawberry.field(
        description="When it was confirmed fixed; null while open."
    )
    resolution: str = strawberry.field(description="How it was fixed.")
    resolved_by: str | None = strawberry.field(
        description="The login that confirmed it fixed."
    )
    item_id: strawberry.Private[int]
    case_id: strawberry.Private[int | None]
    inspection_id: strawberry.Private[int]
    institution_id: strawberry.Private[int]

    @strawberry.field(description="Open, and past its deadline.")
    def overdue(self) -> bool:
        return self.resolved_on is None and self.deadline < today()

    @strawberry.field(description="The checklist item it falls short of.")
    async def item(self, info: Info) -> TemplateItem | None:
        row = await info.context.loaders.template_item.load(self.item_id)
        return TemplateItem.from_optional_row(row)

    @strawberry.field(
        description="The VIOLATION case a serious finding opened; null for "
        "others, or when the viewer may not see the case."
    )
    async def case(self, info: Info) -> Case | None:
        if self.case_id is None:
            return None
        return Case.from_optional_row(
            await info.context.loaders.case.load(self.case_id)
        )

    @strawberry.field(description="The inspection that found it.")
    async def inspection(self, info: Info) -> "Inspection | None":
        row = await info.context.loaders.inspection.load(self.inspection_id)
        return Inspection.from_optional_row(row)

    @strawberry.field(description="The institution that must fix it.")
    async def institution(self, info: Info) -> types.Institution | None:
        row = await info.context.loaders.institution.load(self.institution_id)
        return types.Institution.from_optional_row(row)


@strawberry.type(
    description="An instructor's inspection (日常督查) of an institution, scored "
    "against the template version current on the day it was recorded."
)
class Inspection(types.Record):
    LOADER = "inspection"
    COLUMNS: ClassVar[dict[str, str]] = {"total": "score"}

    id: relay.NodeID[int]
    inspected_on: date = strawberry.field(description="The day of the visit.")
    vetoed: bool = strawberry.field(description="A veto item was breached.")
    card: types.Card = strawberry.field(
        description="The card this inspection earned by itself when recorded; the "
        "institution's card may have moved since."
    )
    notes: str = strawberry.field(description="The inspector's notes on the visit.")
    recorded_by: str = strawberry.field(description="The login that recorded it.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")
    total: strawberry.Private[Decimal]
    institution_id: strawberry.Private[int]
    instructor_id: strawberry.Private[int]
    template_id: strawberry.Private[int]

    @strawberry.field(
        description="The standard items' points less deductions, plus bonuses; "
        "computed, never typed. " + POINTS
    )
    def score(self) -> str:
        return str(self.total)

    @strawberry.field(description="The institution inspected.")
    async def institution(self, info: Info) -> types.Institution | None:
        row = await info.context.loaders.institution.load(self.institution_id)
        return types.Institution.from_optional_row(row)

    @strawberry.field(description="The party-building instructor who inspected.")
    async def instructor(self, info: Info) -> types.Person | None:
        row = await info.context.loaders.person.load(self.instructor_id)
        return types.Person.from_optional_row(row)

    @strawberry.field(description="The template version it was scored with.")
    async def template(self, info: Info) -> ScoringTemplate | None:
        row = await info.context.loaders.scoring_template.load(self.template_id)
        return ScoringTemplate.from_optional_row(row)

    @strawberry.field(
        description="The items that fell short, were breached or earned a bonus, "
        "in the template's order; an item not listed was met in full."
    )
    async def results(self, info: Info) -> list[InspectionResult]:
        rows = await info.context.loaders.results_of_inspection.load(self.id)
        return [InspectionResult.from_row(row) for row in rows]

    @strawberry.field(description="What it found that must be fixed.")
    async def findings(self, info: Info) -> list[Finding]:
        rows = await info.context.loaders.findings_of_inspection.load(self.id)
        return Finding.from_rows(rows)


# --- cards and lists ----------------------------------------------------------------


@strawberry.type(description="A change of an institution's card, and why.")
class CardChange:
    card: types.Card | None = strawberry.field(
        description="The new card; null for none yet."
    )
    previous: types.Card | None = strawberry.field(
        description="The card before; null if it had none."
    )
    rule: str = strawberry.field(description="The rule that gave it, as a code.")
    reason: str = strawberry.field(
        description="The rule and what it looked at, in the reader's language."
    )
    details: JSON = strawberry.field(description="What the rule looked at.")
    at: datetime = strawberry.field(description="When the card changed.")
    inspection_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: models.CardChange) -> Self:
        return cls(
            card=row.card,
            previous=row.previous,
            rule=row.rule,
            reason=standing.reason_for(row),
            details=row.details,
            at=row.at,
            inspection_id=row.inspection_id,
        )

    @classmethod
    def from_rows(cls, rows: list[models.CardChange]) -> list[Self]:
        return [cls.from_row(row) for row in rows]

    @strawberry.field(description="The latest inspection when the card changed.")
    async def inspection(self, info: Info) -> Inspection | None:
        if self.inspection_id is None:
            return None
        row = await info.context.loaders.inspection.load(self.inspection_id)
        return Inspection.from_optional_row(row)


@strawberry.type(
    description="A move between the lists, by a rule or by the office. A move "
    "onto or off the blacklist waits for a second administrator."
)
class ListChange(types.Record):
    LOADER = "list_change"

    id: relay.NodeID[int]
    list_name: types.ListName | None = strawberry.field(
        description="The list it moves to; null for off every list."
    )
    previous: types.ListName | None = strawberry.field(
        description="The list it was on; null for none."
    )
    source: ListSource = strawberry.field(description="A rule, or the office.")
    rule: str | None = strawberry.field(
        description="The rule that moved it, as a code; null for the office's."
    )
    reason: str = strawberry.field(
        description="Why: a rule's explained in the reader's language, or the "
        "office's own words for its decision."
    )
    details: JSON = strawberry.field(description="What the rule looked at.")
    state: ListChangeState = strawberry.field(
        description="Whether it is in force, waits, or was turned down."
    )
    proposed_by: str = strawberry.field(
        description="The login that decided or proposed it; `rules` for the rules."
    )
    at: datetime = strawberry.field(description="When it was made or proposed.")
    decided_by: str | None = strawberry.field(
        description="The administrator who confirmed or rejected it."
    )
    decided_at: datetime | None = strawberry.field(
        description="When it was confirmed or rejected; null unless decided."
    )
    decision_note: str = strawberry.field(
        description="What the deciding administrator wrote."
    )
    institution_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: models.ListChange) -> Self:
        return cls(
            id=row.id,
            list_name=row.list_name,
            previous=row.previous,
            source=row.source,
            rule=row.rule,
            reason=standing.reason_for(row),
            details=row.details,
            state=row.state,
            proposed_by=row.proposed_by,
            at=row.at,
            decided_by=row.decided_by,
            decided_at=row.decided_at,
            decision_note=row.decision_note,
            institution_id=row.institution_id,
        )

    @strawberry.field(description="The institution moved.")
    async def institution(self, info: Info) -> types.Institution | None:
        row = await info.context.loaders.institution.load(self.institution_id)
        return types.Institution.from_optional_row(row)


@strawberry.type(description="An instructor who has not yet visited a posting.")
class MissedVisit:
    instructor: types.Person = strawberry.field(description="The instructor posted.")
    institution: types.Institution = strawberry.field(
        description="The institution not inspected since the month began."
    )


@strawberry.type(
    description="Whether every licensed institution that operates has an "
    "instructor, and which postings have had no inspection this month."
)
class Coverage:
    without_instructor: list[types.Institution] = strawberry.field(
        description="Licensed institutions that operate with no instructor posted."
    )
    not_visited: list[MissedVisit] = strawberry.field(
        description="Postings with no inspection since `monthStart`."
    )
    month_start: date = strawberry.field(description="The first day of this month.")


# --- reading --------------------------------------------------------------------------


@strawberry.input(description="Inspections matching every field given.")
class InspectionFilter:
    institution: strawberry.ID | None = strawberry.field(
        default=None, description="Of this institution."
    )
    instructor: strawberry.ID | None = strawberry.field(
        default=None, description="By this instructor (a Person)."
    )
    inspected_from: date | None = strawberry.field(
        default=None, description="On this day or later."
    )
    inspected_to: date | None = strawberry.field(
        default=None, description="On this day or earlier."
    )


@strawberry.type
class SupervisionQuery:
    @strawberry.field(description="Inspections, the latest first.")
    async def inspections(
        self,
        info: Info,
        filter: Annotated[
            InspectionFilter | None,
            strawberry.argument(description="Only the inspections matching it."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Inspection]:
        where = filter or InspectionFilter()
        page = await inspections.search_inspections(
            info.context.actor,
            inspections.InspectionFilter(
                institution_id=record_id(
                    where.institution, "Institution", "institution"
                ),
                instructor_id=record_id(where.instructor, "Person", "instructor"),
                inspected_from=where.inspected_from,
                inspected_to=where.inspected_to,
            ),
            page_request(first, after, last, before),
        )
        return connection(page, Inspection.from_row)

    @strawberry.field(
        description="A version of the scoring template: the current one when "
        "`version` is left out; null if there is no such version."
    )
    async def scoring_template(
        self,
        info: Info,
        version: Annotated[
            int | None, strawberry.argument(description="The version wanted.")
        ] = None,
    ) -> ScoringTemplate | None:
        row = await reads.template_by_version(info.context.actor, version)
        return ScoringTemplate.from_optional_row(row)

    @strawberry.field(
        description="Every version of the scoring template, the newest first; "
        "an administrator saves a new one a few times a year."
    )
    async def scoring_templates(self, info: Info) -> list[ScoringTemplate]:
        rows = await scoring.template_versions(info.context.actor)
        return ScoringTemplate.from_rows(rows)

    @strawberry.field(
        description="Moves onto or off the blacklist waiting for an "
        "administrator's decision, the longest waiting first."
    )
    async def pending_list_changes(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ListChange]:
        page = await reads.pending_list_changes(
            info.context.actor, page_request(first, after, last, before)
        )
        return connection(page, ListChange.from_row)

    @strawberry.field(
        description="Licensed institutions without an instructor, and postings "
        "not yet visited this month."
    )
    async def coverage(self, info: Info) -> Coverage:
        found = await inspections.coverage(info.context.actor)
        return Coverage(
            without_instructor=types.Institution.from_rows(found.without_instructor),
            not_visited=[
                MissedVisit(
                    instructor=types.Person.from_row(person),
                    institution=types.Institution.from_row(institution),
                )
                for person, institution in found.not_visited
            ],
            month_start=found.month_start,
        )


# --- writing --------------------------------------------------------------------------


@strawberry.input(
    description="How the institution fared on one item; an item left out was met "
    "in full."
)
class InspectionResultInput:
    item: strawberry.ID = strawberry.field(
        description="A TemplateItem of the current template."
    )
    points: str = strawberry.field(
        default="0",
        description="Deducted from a standard item, or earned on a bonus item: "
        "from 0 to the item's points, to one decimal place. Ignored for a veto item.",
    )
    breached: bool = strawberry.field(
        default=False, description="For a veto item: it was breached."
    )
    note: str = strawberry.field(default="", description="What the inspector saw.")


@strawberry.input(
    description="Something to fix, about an item that fell short. A breached veto "
    "item needs one, and opens a case however `serious` is set."
)
class InspectionFindingInput:
    item: strawberry.ID = strawberry.field(
        description="The TemplateItem that fell short, among the results."
    )
    deadline: date = strawberry.field(description="After the inspection's day.")
    text: str = strawberry.field(
        default="", description="Left empty, the item's own text."
    )
    serious: bool = strawberry.field(
        default=False, description="Opens a VIOLATION case in the ledger."
    )


@strawberry.input(description="An inspection, as the instructor saw it.")
class RecordInspectionInput:
    institution: strawberry.ID = strawberry.field(
        description="An institution the instructor is posted to."
    )
    inspected_on: date = strawberry.field(description="Today or earlier.")
    notes: str = strawberry.field(default="", description="Notes on the visit.")
    results: list[InspectionResultInput] = strawberry.field(
        default_factory=list,
        description="The items that fell short, were breached or earned a bonus.",
    )
    findings: list[InspectionFindingInput] = strawberry.field(
        default_factory=list, description="What must be fixed, and by when."
    )


@strawberry.input(description="A finding confirmed fixed.")
class ResolveFindingInput:
    finding: strawberry.ID = strawberry.field(description="An open Finding.")
    resolution: str = strawberry.field(description="How it was fixed.")


@strawberry.input(description="The office's decision on an institution's list.")
class SetListMembershipInput:
    institution: strawberry.ID = strawberry.field(description="The institution.")
    list_name: types.ListName | None = strawberry.field(
        description="The list to put it on; null takes it off every list. Left "
        "out it counts as null, so always give it."
    )
    reason: str = strawberry.field(description="The office's reason, kept with it.")
    seen_change: strawberry.ID | None = strawberry.field(
        description="The newest ListChange of the institution the decider saw, "
        "from `listHistory(first: 1)`; null if it had none. Should a change have "
        "come since, the decision is refused with CONFLICT."
    )


@strawberry.input(description="A decision on a move waiting for one.")
class DecideListChangeInput:
    change: strawberry.ID = strawberry.field(description="A PENDING ListChange.")
    confirm: bool = strawberry.field(description="True confirms it, false rejects it.")
    note: str = strawberry.field(
        default="", description="Required when rejecting: why."
    )


@strawberry.input(description="An item of the checklist.")
class TemplateItemInput:
    section: str = strawberry.field(
        description="The section it is listed under; items of one section follow "
        "each other."
    )
    text: str = strawberry.field(description="What the inspector checks.")
    kind: ItemKind = strawberry.field(description="How it counts in the score.")
    points: str = strawberry.field(
        default="0",
        description="Above 0 and at most 100, to one decimal place; ignored for a "
        "veto item. The standard items add up to 100.",
    )


@strawberry.input(description="A new version of the scoring template.")
class SaveScoringTemplateInput:
    based_on_version: int = strawberry.field(
        description="The version the edit started from; refused with CONFLICT if "
        "another version was saved meanwhile."
    )
    name: str = strawberry.field(description="The checklist's title.")
    note: str = strawberry.field(default="", description="What changed, and why.")
    items: list[TemplateItemInput] = strawberry.field(
        description="The whole checklist, in order."
    )


@strawberry.type(description="The inspection recorded, or why not.")
class InspectionPayload:
    inspection: Inspection | None = strawberry.field(
        description="As recorded; null when refused."
    )
    errors: list[FieldError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The finding fixed, or why not.")
class FindingPayload:
    finding: Finding | None = strawberry.field(
        description="As it now is; null when refused."
    )
    errors: list[FieldError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The list change made, or why not.")
class ListChangePayload:
    list_change: ListChange | None = strawberry.field(
        description="The change made; null when refused, or when the institution "
        "was on that list already."
    )
    institution: types.Institution | None = strawberry.field(
        description="The institution as it now is, after a refusal too."
    )
    errors: list[FieldError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The template version saved, or why not.")
class ScoringTemplatePayload:
    scoring_template: ScoringTemplate | None = strawberry.field(
        description="The version saved; after a CONFLICT, the current version."
    )
    errors: list[FieldError] = strawberry.field(description=ERRORS)


@strawberry.type
class SupervisionMutation:
    @strawberry.mutation(
        description="An instructor's inspection of an institution they are posted "
        "to, scored against the current template. Serious findings open cases; "
        "the institution's card and list follow at once. Errors name a result or "
        "finding by its place in the input, such as `results.0` or "
        "`findings.1.deadline`."
    )
    async def record_inspection(
        self, info: Info, input: RecordInspectionInput
    ) -> InspectionPayload:
        async def write():
            data = _inspection_data(input)
            try:
                return await inspections.record_inspection(
                    info.context.actor, data, _thresholds(info)
                )
            except Refused as refusal:
                raise _named_as_input(refusal, data) from None

        return await attempt(write, InspectionPayload, "inspection", Inspection)

    @strawberry.mutation(description="Confirm a finding fixed.")
    async def resolve_finding(
        self, info: Info, input: ResolveFindingInput
    ) -> FindingPayload:
        async def write():
            return await inspections.resolve_finding(
                info.context.actor,
                decode_id(input.finding, "Finding", "finding"),
                input.resolution,
                _thresholds(info),
            )

        return await attempt(write, FindingPayload, "finding", Finding)

    @strawberry.mutation(
        description="The office puts an institution on a list, or takes it off "
        "all of them, with its reason. A move onto or off the blacklist comes "
        "back PENDING until another administrator decides it."
    )
    async def set_list_membership(
        self, info: Info, input: SetListMembershipInput
    ) -> ListChangePayload:
        async def write():
            return await standing.set_list_membership(
                info.context.actor,
                decode_id(input.institution, "Institution", "institution"),
                input.list_name,
                input.reason,
                seen_change_id=decode_id(input.seen_change, "ListChange", "seenChange")
                if input.seen_change
                else None,
            )

        institution_id = _id_of(input.institution, "Institution")
        return await _list_change_payload(info, write, institution_id)

    @strawberry.mutation(
        description="Another administrator confirms or rejects a move onto or off "
        "the blacklist; nobody decides their own proposal."
    )
    async def decide_list_change(
        self, info: Info, input: DecideListChangeInput
    ) -> ListChangePayload:
        async def write():
            return await standing.decide(
                info.context.actor,
                decode_id(input.change, "ListChange", "change"),
                confirm=input.confirm,
                note=input.note,
            )

        institution_id = await _institution_of_change(
            info, _id_of(input.change, "ListChange")
        )
        return await _list_change_payload(info, write, institution_id)

    @strawberry.mutation(
        description="Save a new version of the scoring template. Past inspections "
        "keep the version they were scored with."
    )
    async def save_scoring_template(
        self, info: Info, input: SaveScoringTemplateInput
    ) -> ScoringTemplatePayload:
        async def write():
            return await scoring.save_template(
                info.context.actor,
                input.based_on_version,
                input.name,
                input.note,
                [
                    scoring.ItemInput(item.section, item.text, item.kind, item.points)
                    for item in input.items
                ],
            )

        return await attempt(
            write, ScoringTemplatePayload, "scoring_template", ScoringTemplate
        )


# --- helpers ------------------------------------------------------------------------


def _thresholds(info: Info) -> standing.Thresholds:
    return standing.Thresholds.of(info.context.request.app.state.settings)


def _inspection_data(input: RecordInspectionInput) -> inspections.InspectionInput:
    return inspections.InspectionInput(
        institution_id=decode_id(input.institution, "Institution", "institution"),
        inspected_on=input.inspected_on,
        notes=input.notes,
        results=tuple(
            scoring.ResultInput(
                item_id=decode_id(result.item, "TemplateItem", f"results.{n}.item"),
                points=result.points,
                breached=result.breached,
                note=result.note,
            )
            for n, result in enumerate(input.results)
        ),
        findings=tuple(
            inspections.FindingInput(
                item_id=decode_id(finding.item, "TemplateItem", f"findings.{n}.item"),
                text=finding.text,
                deadline=finding.deadline,
                serious=finding.serious,
            )
            for n, finding in enumerate(input.findings)
        ),
    )


def _named_as_input(refusal: Refused, data: inspections.InspectionInput) -> Refused:
    """The refusal with its fields named as the input names them.

    The domain names a result or finding by its item's id (`results.12.note`),
    as a page's form does; the input names it by its place in a list
    (`results.0.note`). A finding the domain added for a breached veto item
    is blamed on that breach.
    """
    results = {result.item_id: n for n, result in enumerate(data.results)}
    findings = {finding.item_id: n for n, finding in enumerate(data.findings)}

    def named(field: str | None) -> str | None:
        kind, _, rest = (field or "").partition(".")
        item, _, part = rest.partition(".")
        if kind not in ("results", "findings") or not item.isdigit():
            return field
        if kind == "findings" and int(item) not in findings and int(item) in results:
            return f"results.{results[int(item)]}.breached"
        place = (results if kind == "results" else findings).get(int(item))
        if place is None:
            return field
        return f"{kind}.{place}.{part}" if part else f"{kind}.{place}"

    return Refused(
        [replace(error, field=named(error.field)) for error in refusal.errors],
        refusal.current,
    )


async def _list_change_payload(
    info: Info,
    write: Callable[[], Awaitable[models.ListChange | None]],
    institution_id: int | None,
) -> ListChangePayload:
    """The payload of a list decision, with the institution as it now is, so
    that after a CONFLICT the caller sees what changed meanwhile."""
    try:
        change = await write()
        errors = []
    except Refused as refusal:
        change = None
        errors = [as_field_error(error) for error in refusal.errors]

    return ListChangePayload(
        list_change=ListChange.from_optional_row(change),
        institution=await _institution_now(info, institution_id),
        errors=errors,
    )


async def _institution_now(
    info: Info, institution_id: int | None
) -> types.Institution | None:
    """The institution read afresh, not through the request's loader, which
    may hold it from before the write; None if the caller may not see it."""
    if institution_id is None:
        return None
    try:
        found = await institutions.institutions_by_id(
            info.context.actor, [institution_id]
        )
    except DomainError:
        return None  # the write was refused as well, and says why
    return types.Institution.from_optional_row(found.get(institution_id))


async def _institution_of_change(info: Info, change_id: int | None) -> int | None:
    """The institution a list change moves, if the caller may see it."""
    if change_id is None:
        return None
    try:
        change = await info.context.loaders.list_change.load(change_id)
    except DomainError:
        return None
    return change.institution_id if change else None


def _id_of(value: str | None, type_name: str) -> int | None:
    """The record id of a global id of `type_name`; None for anything else."""
    parsed = parse_global_id(value) if value else None
    return parsed[1] if parsed and parsed[0] == type_name else None
