"""Inspections of licensed institutions by their party-building instructors.

An instructor inspects an institution they are posted to, item by item
against the current scoring template; the score follows from the results.
What needs fixing becomes a finding with a deadline, and a serious finding
(every breached veto item is one) opens a `VIOLATION` case in the ledger.
The institution's card and list follow in the same transaction.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from server import audit, case_writes, scoring, standing
from server.clock import OFFICE_TIMEZONE, today
from server.errors import ErrorCode, FieldError, Refused
from server.i18n import _
from server.models import (
    Card,
    Evidence,
    Finding,
    Inspection,
    InspectionResult,
    Institution,
    InstructorAssignment,
    ItemKind,
    LicenseStatus,
    OperatingStatus,
    Person,
    TemplateItem,
)
from server.pagination import Ordering, Page, PageRequest, SortKey, paginate
from server.permissions import Actor, Permission, institution_scope, require
from server.scoring import ResultInput
from server.validation import Checks, allowed

NEWEST_FIRST = Ordering(
    (
        SortKey("inspected_on", descending=True, kind=date),
        SortKey("id", descending=True, kind=int),
    )
)


@dataclass(frozen=True)
class FindingInput:
    item_id: int
    text: str
    deadline: date | None
    serious: bool = False


@dataclass(frozen=True)
class InspectionInput:
    institution_id: int
    inspected_on: date
    notes: str = ""
    results: tuple[ResultInput, ...] = ()
    findings: tuple[FindingInput, ...] = field(default_factory=tuple)


async def record_inspection(
    actor: Actor, data: InspectionInput, thresholds: standing.Thresholds
) -> Inspection:
    """Score and keep an inspection; open what it found; update the standing."""
    allowed(actor, Permission.RECORD_INSPECTIONS)
    institution = await _inspectable(actor, data.institution_id)
    template = await scoring.current_template(actor)
    items = {item.id: item for item in template.items}

    checks = Checks()
    notes = checks.text("notes", data.notes, max_length=4000) or ""
    if data.inspected_on > today():
        checks.fail(
            "inspectedOn",
            ErrorCode.INVALID,
            _("An inspection cannot be in the future."),
        )
    results = _checked_results(checks, items, data.results)
    findings = _checked_findings(
        checks, items, results, data.findings, data.inspected_on
    )
    checks.done()
    score = scoring.score(template.items, results)
    earned = card_earned(institution, score, findings, data.inspected_on, thresholds)

    async with in_transaction():
        inspection = await Inspection.create(
            institution=institution,
            instructor_id=actor.person_id,
            template=template.template,
            inspected_on=data.inspected_on,
            score=score.total,
            vetoed=score.vetoed,
            card=earned,
            notes=notes,
            recorded_by=actor.label,
            recorded_at=datetime.now(OFFICE_TIMEZONE),
        )
        await InspectionResult.bulk_create(
            [
                InspectionResult(
                    inspection=inspection,
                    item_id=result.item_id,
                    points=result.points,
                    breached=result.breached,
                    note=result.note,
                )
                for result in results.values()
            ]
        )
        for finding in findings:
            await _open_finding(actor, institution, inspection, finding, items)
        await audit.record(
            actor,
            "inspection.record",
            inspection,
            None,
            audit.snapshot(inspection) | {"results": len(results)},
        )
        await standing.refresh([institution.id], thresholds, by=actor.label)
    return inspection


def card_earned(
    institution: Institution,
    score: scoring.Score,
    findings: list[FindingInput],
    on: date,
    thresholds: standing.Thresholds,
) -> Card:
    """The card this inspection earns by itself, from its score, its breaches
    and the findings it leaves open; "yellow twice running" counts these."""
    facts = standing.Facts(
        on=on,
        license_status=institution.license_status,
        operating_status=institution.operating_status,
        latest=standing.LatestInspection(0, score.total, score.vetoed),
        finding_deadlines=tuple(f.deadline for f in findings if f.deadline),
    )
    return standing.judge_card(facts, thresholds).value


async def _inspectable(actor: Actor, institution_id: int) -> Institution:
    """The institution, if the actor is an instructor posted to it and it is
    a licensed institution that still operates."""
    if actor.person_id is None:
        raise _refused(
            None,
            ErrorCode.FORBIDDEN,
            _("Instructors record their inspections on their own accounts."),
        )
    posted = await InstructorAssignment.exists(
        person_id=actor.person_id, institution_id=institution_id
    )
    institution = await Institution.get_or_none(id=institution_id)
    if institution is None or not posted:
        raise _refused(
            "institution",
            ErrorCode.FORBIDDEN,
            _("You inspect only the institutions you are posted to."),
        )
    if (
        institution.license_status != LicenseStatus.LICENSED
        or institution.operating_status
        in (
            OperatingStatus.CLOSED,
            OperatingStatus.BANNED,
        )
    ):
        raise _refused(
            "institution",
            ErrorCode.INVALID,
            _("Only licensed institutions that still operate are inspected."),
        )
    return institution


def _checked_results(
    checks: Checks, items: dict[int, TemplateItem], given: Iterable[ResultInput]
) -> dict[int, ResultInput]:
    results: dict[int, ResultInput] = {}
    for result in given:
        item = items.get(result.item_id)
        name = f"results.{result.item_id}"
        if item is None:
            checks.fail(
                name,
                ErrorCode.INVALID,
                _("This item is not on the current scoring template."),
            )
            continue
        points = _points(checks, name, result.points, item)
        note = checks.text(f"{name}.note", result.note, max_length=2000) or ""
        breached = result.breached and item.kind == ItemKind.VETO
        results[item.id] = ResultInput(item.id, points, breached, note)
    return results


def _points(checks: Checks, field: str, given, item: TemplateItem) -> Decimal:
    if item.kind == ItemKind.VETO:
        return Decimal(0)
    try:
        points = Decimal(str(given).strip() or "0")
    except InvalidOperation:
        points = Decimal(-1)
    if not (0 <= points <= item.points) or points != points.quantize(Decimal("0.1")):
        checks.fail(
            field,
            ErrorCode.INVALID,
            _("From 0 to {points} points, to one decimal place.").format(
                points=item.points
            ),
        )
        return Decimal(0)
    return points


def _checked_findings(
    checks: Checks,
    items: dict[int, TemplateItem],
    results: dict[int, ResultInput],
    given: Iterable[FindingInput],
    inspected_on: date,
) -> list[FindingInput]:
    """The findings to open: those given, plus one for every breached veto
    item, which is always serious."""
    findings = {finding.item_id: finding for finding in given}
    for result in results.values():
        if result.breached and result.item_id not in findings:
            findings[result.item_id] = FindingInput(result.item_id, "", None, True)

    checked = []
    for finding in findings.values():
        item = items.get(finding.item_id)
        name = f"findings.{finding.item_id}"
        if item is None:
            checks.fail(
                name,
                ErrorCode.INVALID,
                _("This item is not on the current scoring template."),
            )
            continue
        result = results.get(item.id)
        if result is None or not (result.points or result.breached):
            if item.kind != ItemKind.BONUS:
                checks.fail(
                    name,
                    ErrorCode.INVALID,
                    _("Only an item that fell short needs fixing."),
                )
            continue
        text = checks.text(f"{name}.text", finding.text, max_length=2000) or item.text
        if finding.deadline is None:
            checks.fail(
                f"{name}.deadline",
                ErrorCode.REQUIRED,
                _("Give a deadline for fixing it."),
            )
        elif finding.deadline <= inspected_on:
            checks.fail(
                f"{name}.deadline",
                ErrorCode.INVALID,
                _("The deadline comes after the inspection."),
            )
        serious = finding.serious or item.kind == ItemKind.VETO
        checked.append(FindingInput(item.id, text, finding.deadline, serious))
    return checked


async def _open_finding(
    actor: Actor,
    institution: Institution,
    inspection: Inspection,
    finding: FindingInput,
    items: dict[int, TemplateItem],
) -> Finding:
    case = None
    if finding.serious:
        item = items[finding.item_id]
        case = await case_writes.open_violation_case(
            actor,
            institution,
            violation_found(item, finding.text),
            inspection.inspected_on,
        )
    return await Finding.create(
        inspection=inspection,
        institution=institution,
        item_id=finding.item_id,
        text=finding.text,
        deadline=finding.deadline,
        serious=finding.serious,
        case=case,
    )


def violation_found(item: TemplateItem, text: str) -> str:
    """What the case a serious finding opens says was found: the item, and
    the inspector's words when they add to it."""
    if text == item.text:
        return f"{item.section}：{item.text}"
    return f"{item.section}：{item.text}。{text}"


async def resolve_finding(
    actor: Actor, finding_id: int, resolution: str, thresholds: standing.Thresholds
) -> Finding:
    """The instructor, or the office, confirms a finding fixed."""
    if not actor.can(Permission.MANAGE_CASES):
        allowed(actor, Permission.RECORD_INSPECTIONS)
    checks = Checks()
    resolution = checks.text("resolution", resolution, max_length=2000, required=True)
    checks.done()

    async with in_transaction():
        finding = await Finding.select_for_update().get_or_none(id=finding_id)
        if finding is None or not await _may_resolve(actor, finding):
            raise _refused(None, ErrorCode.NOT_FOUND, _("There is no such finding."))
        if finding.resolved_on is not None:
            raise _refused(
                None, ErrorCode.CONFLICT, _("This finding is fixed already.")
            )
        before = audit.snapshot(finding)
        finding.resolved_on = today()
        finding.resolution = resolution or ""
        finding.resolved_by = actor.label
        await finding.save()
        await audit.record(
            actor, "finding.resolve", finding, before, audit.snapshot(finding)
        )
        await standing.refresh([finding.institution_id], thresholds, by=actor.label)
    return finding


async def _may_resolve(actor: Actor, finding: Finding) -> bool:
    if actor.can(Permission.MANAGE_CASES):
        return True
    return await InstructorAssignment.exists(
        person_id=actor.person_id, institution_id=finding.institution_id
    )


# --- reading -----------------------------------------------------------------


def visible_inspections(actor: Actor):
    require(actor, Permission.READ_INSTITUTIONS)
    scope = institution_scope(actor)
    inspections = Inspection.all()
    if scope is not None:
        visible = Institution.filter(scope).values("id")
        inspections = inspections.filter(institution_id__in=Subquery(visible))
    return inspections


@dataclass(frozen=True)
class InspectionFilter:
    institution_id: int | None = None
    instructor_id: int | None = None
    inspected_from: date | None = None
    inspected_to: date | None = None


async def search_inspections(
    actor: Actor, where: InspectionFilter, request: PageRequest
) -> Page[Inspection]:
    inspections = visible_inspections(actor)
    if where.institution_id is not None:
        inspections = inspections.filter(institution_id=where.institution_id)
    if where.instructor_id is not None:
        inspections = inspections.filter(instructor_id=where.instructor_id)
    if where.inspected_from is not None:
        inspections = inspections.filter(inspected_on__gte=where.inspected_from)
    if where.inspected_to is not None:
        inspections = inspections.filter(inspected_on__lte=where.inspected_to)
    return await paginate(inspections, NEWEST_FIRST, request)


async def inspections_by_id(actor: Actor, ids: Iterable[int]) -> dict[int, Inspection]:
    rows = await visible_inspections(actor).filter(id__in=list(set(ids)))
    return {row.id: row for row in rows}


async def inspectable_institutions(actor: Actor) -> list[Institution]:
    """What the actor may inspect: the licensed, operating institutions they
    are posted to, by name."""
    if actor.person_id is None or not actor.can(Permission.RECORD_INSPECTIONS):
        return []
    posted = InstructorAssignment.filter(person_id=actor.person_id).values(
        "institution_id"
    )
    return await (
        Institution.filter(
            id__in=Subquery(posted), license_status=LicenseStatus.LICENSED
        )
        .exclude(operating_status__in=[OperatingStatus.CLOSED, OperatingStatus.BANNED])
        .order_by("sort_name")
    )


def preview_score(template: scoring.Template, given: Iterable[ResultInput]):
    """The score these results would give, before anything is saved; `Refused`
    when a result is out of range."""
    checks = Checks()
    results = _checked_results(checks, {i.id: i for i in template.items}, given)
    checks.done()
    return scoring.score(template.items, results)


@dataclass(frozen=True)
class InspectionRecord:
    """One inspection with everything on its page."""

    inspection: Inspection
    institution: Institution
    instructor: Person
    template: scoring.Template
    results: dict[int, InspectionResult]  # by template item
    findings: list[Finding]
    photos: list[Evidence]

    def item(self, item_id: int) -> TemplateItem | None:
        return next((i for i in self.template.items if i.id == item_id), None)


async def inspection_record(
    actor: Actor, inspection_id: int
) -> InspectionRecord | None:
    inspection = await visible_inspections(actor).get_or_none(id=inspection_id)
    if inspection is None:
        return None

    institution = await Institution.get(id=inspection.institution_id)
    instructor = await Person.get(id=inspection.instructor_id)
    template = await scoring.template_by_id(actor, inspection.template_id)
    results = await InspectionResult.filter(inspection_id=inspection.id)
    findings = await Finding.filter(inspection_id=inspection.id).order_by("id")
    photos = await Evidence.filter(inspection_id=inspection.id).order_by("id")
    return InspectionRecord(
        inspection=inspection,
        institution=institution,
        instructor=instructor,
        template=template,
        results={result.item_id: result for result in results},
        findings=findings,
        photos=photos,
    )


async def inspection_of_finding(actor: Actor, finding_id: int) -> int | None:
    """The inspection a finding came from, if the actor may see it."""
    visible = visible_inspections(actor).values("id")
    return (
        await Finding.filter(id=finding_id, inspection_id__in=Subquery(visible))
        .first()
        .values_list("inspection_id", flat=True)
    )


@dataclass(frozen=True)
class Coverage:
    """Whether every licensed institution has an instructor who visits it."""

    without_instructor: list[Institution]
    not_visited: list[tuple[Person, Institution]]  # this month, so far
    month_start: date


async def coverage(actor: Actor, on: date | None = None) -> Coverage:
    require(actor, Permission.READ_INSTITUTIONS)
    on = on or today()
    month_start = on.replace(day=1)
    scope = institution_scope(actor) or Q()
    operating = Institution.filter(
        scope, license_status=LicenseStatus.LICENSED
    ).exclude(operating_status__in=[OperatingStatus.CLOSED, OperatingStatus.BANNED])
    licensed = {i.id: i for i in await operating.order_by("sort_name")}
    # Subqueries rather than lists of ids: a province licenses more
    # institutions than one statement may list.
    licensed_ids = Subquery(operating.values("id"))
    assignments = await InstructorAssignment.filter(
        institution_id__in=licensed_ids
    ).order_by("person_id", "institution_id")
    visited = set(
        await Inspection.filter(
            institution_id__in=licensed_ids, inspected_on__gte=month_start
        ).values_list("instructor_id", "institution_id")
    )
    people = {
        p.id: p
        for p in await Person.filter(
            id__in=Subquery(
                InstructorAssignment.filter(institution_id__in=licensed_ids).values(
                    "person_id"
                )
            )
        )
    }
    posted = {a.institution_id for a in assignments}
    return Coverage(
        without_instructor=[i for i in licensed.values() if i.id not in posted],
        not_visited=[
            (people[a.person_id], licensed[a.institution_id])
            for a in assignments
            if (a.person_id, a.institution_id) not in visited
        ],
        month_start=month_start,
    )


def _refused(field: str | None, code: ErrorCode, message: str) -> Refused:
    return Refused([FieldError(field, code, message)])
