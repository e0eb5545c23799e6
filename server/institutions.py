"""Reading institutions: the roster, their documents and their instructors."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tortoise.expressions import Q, Subquery

from server.models import (
    Category,
    District,
    Document,
    DocumentKind,
    Institution,
    InstructorAssignment,
    LicenseStatus,
    OperatingStatus,
    Person,
    Village,
)
from server.pagination import Ordering, Page, PageRequest, SortKey, paginate
from server.permissions import Actor, Permission, institution_scope, require
from server.queries import group_by, group_related, matches_text

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


async def institution_file(actor: Actor, institution_id: int) -> InstitutionFile | None:
    institution = await get_institution(actor, institution_id)
    if institution is None:
        return None

    village = await Village.get_or_none(id=institution.village_id or 0)
    district = await District.get_or_none(id=village.district_id) if village else None
    documents = await documents_of(actor, [institution.id])
    instructors = await instructors_of(actor, [institution.id])
    return InstitutionFile(
        institution=institution,
        village=village,
        district=district,
        documents=documents.get(institution.id, []),
        instructors=instructors.get(institution.id, []),
    )
