"""Reading institutions: the roster, their documents and their instructors."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count, Max

from server import scoring, standing
from server.cases import visible_cases
from server.models import (
    Card,
    Case,
    Category,
    Complaint,
    District,
    Document,
    DocumentKind,
    Evidence,
    Finding,
    Inspection,
    InspectionResult,
    Institution,
    InstructorAssignment,
    LicenseStatus,
    ListName,
    Notice,
    OperatingStatus,
    Person,
    TemplateItem,
    Village,
)
from server.pagination import Ordering, Page, PageRequest, SortKey, paginate
from server.permissions import Actor, Permission, institution_scope, require
from server.queries import by_ids, group_by, group_related, matches_text
from server.standing import Standing
from server.workflow import ENDED

SEARCHED_COLUMNS = ("registered_name", "signboard_name", "address", "credit_code")
DOCUMENT_ORDER = list(DocumentKind)


@dataclass(frozen=True)
class InstitutionFilter:
    """Which institutions to list; empty fields do not filter."""

    text: str | None = None
    categories: tuple[Category, ...] = ()
    license_statuses: tuple[LicenseStatus, ...] = ()
    operating_statuses: tuple[OperatingStatus, ...] = ()
    village_id: int | None = None
    district_id: int | None = None
    cards: tuple[Card, ...] = ()
    list_names: tuple[ListName, ...] = ()


class InstitutionSort(StrEnum):
    NAME = "NAME"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"


def institution_ordering(sort: InstitutionSort, descending: bool = False) -> Ordering:
    key = {
        InstitutionSort.NAME: SortKey("sort_name", descending),
        InstitutionSort.CREATED_AT: SortKey("created_at", descending, kind=datetime),
        InstitutionSort.UPDATED_AT: SortKey("updated_at", descending, kind=datetime),
    }[sort]
    return Ordering((key,))


def visible_institutions(actor: Actor):
    """The institutions `actor` may see, as a query to narrow further."""
    scope = institution_scope(actor)
    return Institution.all() if scope is None else Institution.filter(scope)


async def search_institutions(
    actor: Actor, where: InstitutionFilter, ordering: Ordering, request: PageRequest
) -> Page[Institution]:
    """One page of the roster (一张清单): the institutions `where` selects."""
    return await paginate(_filtered(actor, where), ordering, request)


async def institutions_by_id(
    actor: Actor, ids: Iterable[int]
) -> dict[int, Institution]:
    """Institutions by id, leaving out those `actor` may not see."""
    rows = await visible_institutions(actor).filter(id__in=list(set(ids)))
    return {row.id: row for row in rows}


def _filtered(actor: Actor, where: InstitutionFilter):
    institutions = visible_institutions(actor)
    if where.text:
        institutions = institutions.filter(matches_text(where.text, SEARCHED_COLUMNS))
    if where.categories:
        institutions = institutions.filter(category__in=where.categories)
    if where.license_statuses:
        institutions = institutions.filter(license_status__in=where.license_statuses)
    if where.operating_statuses:
        institutions = institutions.filter(
            operating_status__in=where.operating_statuses
        )
    if where.cards:
        institutions = institutions.filter(card__in=where.cards)
    if where.list_names:
        institutions = institutions.filter(list_name__in=where.list_names)
    if where.village_id is not None:
        institutions = institutions.filter(village_id=where.village_id)
    if where.district_id is not None:
        in_district = Village.filter(district_id=where.district_id).values("id")
        institutions = institutions.filter(Q(village_id__in=Subquery(in_district)))
    return institutions


async def documents_of(
    actor: Actor, institution_ids: Iterable[int]
) -> dict[int, list[Document]]:
    """Each institution's documents, the school permit first.

    The ids must be of institutions `actor` sees; callers have them from a
    search or `institutions_by_id`, which already left the others out.
    """
    require(actor, Permission.READ_INSTITUTIONS)
    documents = await Document.filter(institution_id__in=list(institution_ids))
    documents.sort(key=lambda document: DOCUMENT_ORDER.index(document.kind))
    return group_by(documents, "institution_id")


async def instructors_of(
    actor: Actor, institution_ids: Iterable[int]
) -> dict[int, list[Person]]:
    """The party-building instructors posted to each institution, by name."""
    require(actor, Permission.READ_ORGANISATION)
    assignments = await (
        InstructorAssignment.filter(institution_id__in=list(institution_ids))
        .select_related("person")
        .order_by("person__sort_name", "person_id")
    )
    return group_related(assignments, "institution_id", "person")


async def postings_of(
    actor: Actor, person_ids: Iterable[int]
) -> dict[int, list[Institution]]:
    """The institutions each instructor is posted to that `actor` may see, by name."""
    visible = visible_institutions(actor).values("id")
    assignments = await (
        InstructorAssignment.filter(
            person_id__in=list(person_ids), institution_id__in=Subquery(visible)
        )
        .select_related("institution")
        .order_by("institution__sort_name", "institution_id")
    )
    return group_related(assignments, "person_id", "institution")


@dataclass(frozen=True)
class Supervision:
    """What the roster shows of each institution's supervision."""

    last_inspected: dict[int, date]
    open_cases: dict[int, int]  # of the cases the reader may see


async def supervision_of(actor: Actor, institution_ids: Iterable[int]) -> Supervision:
    """For institutions `actor` sees: their last inspection and open cases."""
    require(actor, Permission.READ_INSTITUTIONS)
    ids = list(institution_ids)
    inspected = (
        Inspection.filter(institution_id__in=ids)
        .annotate(last=Max("inspected_on"))
        .group_by("institution_id")
        .values("institution_id", "last")
    )
    open_cases: dict[int, int] = {}
    if actor.can(Permission.READ_CASES):
        counted = (
            visible_cases(actor)
            .filter(institution_id__in=ids)
            .exclude(state__in=list(ENDED))
            .annotate(count=Count("id"))
            .group_by("institution_id")
            .values("institution_id", "count")
        )
        open_cases = {row["institution_id"]: row["count"] for row in await counted}
    return Supervision(
        last_inspected={row["institution_id"]: row["last"] for row in await inspected},
        open_cases=open_cases,
    )


async def get_institution(actor: Actor, institution_id: int) -> Institution | None:
    """The institution, or None if there is none `actor` may see."""
    return await visible_institutions(actor).get_or_none(id=institution_id)


@dataclass(frozen=True)
class InstitutionFile:
    """Everything known about one institution (一机构一档案), for its page."""

    institution: Institution
    village: Village | None
    district: District | None
    documents: list[Document]
    instructors: list[Person]
    standing: Standing
    inspections: list[Inspection]  # newest first
    inspectors: dict[int, Person]  # who made them, by person id
    shortfalls: dict[int, list[tuple[TemplateItem, InspectionResult]]]
    findings: dict[int, list[Finding]]  # by inspection
    cases: list[Case]  # newest first; only those the reader may see
    notices: dict[int, list[Notice]]  # by case
    photos: list[Evidence]  # of its inspections and visible cases
    # Reports from the public about it, newest first; for those who may read them.
    complaints: list[Complaint]


async def institution_file(actor: Actor, institution_id: int) -> InstitutionFile | None:
    """The file in a fixed number of statements, however long its history."""
    institution = await get_institution(actor, institution_id)
    if institution is None:
        return None

    village = await Village.get_or_none(id=institution.village_id or 0)
    district = await District.get_or_none(id=village.district_id) if village else None
    documents = await documents_of(actor, [institution.id])
    instructors = await instructors_of(actor, [institution.id])
    inspections = await Inspection.filter(institution_id=institution.id).order_by(
        "-inspected_on", "-id"
    )
    cases = await _cases_of(actor, institution.id)
    return InstitutionFile(
        institution=institution,
        village=village,
        district=district,
        documents=documents.get(institution.id, []),
        instructors=instructors.get(institution.id, []),
        standing=await standing.standing_of(institution.id),
        inspections=inspections,
        inspectors=await by_ids(Person, {i.instructor_id for i in inspections}),
        shortfalls=await _shortfalls(inspections),
        findings=group_by(
            await Finding.filter(institution_id=institution.id).order_by("id"),
            "inspection_id",
        ),
        cases=cases,
        notices=group_by(
            await Notice.filter(case_id__in=[c.id for c in cases]).order_by("id"),
            "case_id",
        ),
        photos=await Evidence.filter(
            Q(inspection_id__in=[i.id for i in inspections])
            | Q(case_id__in=[c.id for c in cases])
        ).order_by("uploaded_at", "id"),
        complaints=await Complaint.filter(institution_id=institution.id).order_by("-id")
        if actor.can(Permission.READ_COMPLAINTS)
        else [],
    )


async def checklists_of(
    actor: Actor, inspections: list[Inspection]
) -> dict[int, list[tuple[TemplateItem, InspectionResult | None]]]:
    """Every item each inspection was scored on, in checklist order, with its
    result; None where the item was met in full."""
    require(actor, Permission.READ_INSTITUTIONS)
    items = await scoring.items_by_template({i.template_id for i in inspections})
    results = await InspectionResult.filter(
        inspection_id__in=[i.id for i in inspections]
    )
    by_inspection: dict[int, dict[int, InspectionResult]] = {}
    for result in results:
        by_inspection.setdefault(result.inspection_id, {})[result.item_id] = result
    return {
        inspection.id: [
            (item, by_inspection.get(inspection.id, {}).get(item.id))
            for item in items.get(inspection.template_id, [])
        ]
        for inspection in inspections
    }


async def _cases_of(actor: Actor, institution_id: int) -> list[Case]:
    if not actor.can(Permission.READ_CASES):
        return []
    return (
        await visible_cases(actor).filter(institution_id=institution_id).order_by("-id")
    )


async def _shortfalls(
    inspections: list[Inspection],
) -> dict[int, list[tuple[TemplateItem, InspectionResult]]]:
    """Per inspection, the items it found short or breached, in checklist order."""
    results = await InspectionResult.filter(
        inspection_id__in=[i.id for i in inspections]
    ).filter(Q(points__gt=0) | Q(breached=True))
    items = await by_ids(TemplateItem, {r.item_id for r in results})
    shortfalls: dict[int, list[tuple[TemplateItem, InspectionResult]]] = {}
    for result in sorted(results, key=lambda r: items[r.item_id].position):
        shortfalls.setdefault(result.inspection_id, []).append(
            (items[result.item_id], result)
        )
    return shortfalls
