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


async def search_institutions(
    where: InstitutionFilter, ordering: Ordering, request: PageRequest
) -> Page[Institution]:
    """One page of the roster (一张清单): the institutions `where` selects."""
    return await paginate(_filtered(where), ordering, request)


def _filtered(where: InstitutionFilter):
    institutions = Institution.all()
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


async def documents_of(institution_ids: Iterable[int]) -> dict[int, list[Document]]:
    """Each institution's documents, the school permit first."""
    documents = await Document.filter(institution_id__in=list(institution_ids))
    documents.sort(key=lambda document: DOCUMENT_ORDER.index(document.kind))
    return group_by(documents, "institution_id")


async def instructors_of(institution_ids: Iterable[int]) -> dict[int, list[Person]]:
    """The party-building instructors posted to each institution, by name."""
    assignments = await (
        InstructorAssignment.filter(institution_id__in=list(institution_ids))
        .select_related("person")
        .order_by("person__sort_name", "person_id")
    )
    return group_related(assignments, "institution_id", "person")


async def postings_of(person_ids: Iterable[int]) -> dict[int, list[Institution]]:
    """The institutions each instructor is posted to, by name."""
    assignments = await (
        InstructorAssignment.filter(person_id__in=list(person_ids))
        .select_related("institution")
        .order_by("institution__sort_name", "institution_id")
    )
    return group_related(assignments, "person_id", "institution")


async def get_institution(institution_id: int) -> Institution | None:
    return await Institution.get_or_none(id=institution_id)


@dataclass(frozen=True)
class InstitutionFile:
    """Everything known about one institution (一机构一档案), for its page."""

    institution: Institution
    village: Village | None
    district: District | None
    documents: list[Document]
    instructors: list[Person]


async def institution_file(institution_id: int) -> InstitutionFile | None:
    institution = await get_institution(institution_id)
    if institution is None:
        return None

    village = await Village.get_or_none(id=institution.village_id or 0)
    district = await District.get_or_none(id=village.district_id) if village else None
    documents = await documents_of([institution.id])
    instructors = await instructors_of([institution.id])
    return InstitutionFile(
        institution=institution,
        village=village,
        district=district,
        documents=documents.get(institution.id, []),
        instructors=instructors.get(institution.id, []),
    )
