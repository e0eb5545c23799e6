"""What the exports hold: which rows, in which order, under which headers.

Every list page exports exactly the rows its filters select, in the page's
order, and the integrators' full export holds every institution the reader
sees with its documents, instructors, inspections and cases. The rows come
as plain values (text, numbers, dates, the domain's enumerations) a page at a
time, read through the same domain functions and keyset pagination as the
pages, so an export of 100,000 rows holds one page of them in memory and
sees exactly what its reader may see. Writing them as xlsx or JSON is the
page adapter's part (`web.exports`).
"""

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from server import audit, cases, complaints, inspections, institutions, organisation
from server.i18n import _
from server.models import (
    District,
    Institution,
    Person,
    School,
    Unit,
    Village,
)
from server.pagination import Ordering, Page, PageRequest, SortKey, paginate
from server.permissions import Actor, Permission, require

# Rows read per statement: large enough that a 100,000-row export costs a
# few hundred statements, small enough that a page of rows stays light.
BATCH_SIZE = 500
BY_ID = Ordering((SortKey("id", kind=int),))

Row = list[Any]


@dataclass
class Table:
    """One sheet of an export: its title, its headers and its rows."""

    title: str
    headers: list[str]
    rows: AsyncIterator[Row]
    # The list's keyset pages, which `count` reads to say how many rows come.
    read: Callable[[PageRequest], Awaitable[Page[Any]]]


async def batches(
    read: Callable[[PageRequest], Awaitable[Page[Any]]],
) -> AsyncIterator[list[Any]]:
    """The rows of a whole list, a page at a time, by `read`'s keyset pages."""
    request = PageRequest(first=BATCH_SIZE, maximum=BATCH_SIZE)
    while True:
        page = await read(request)
        if page.items:
            yield page.items
        if not page.has_next_page:
            return
        request = PageRequest(
            first=BATCH_SIZE, after=page.end_cursor, maximum=BATCH_SIZE
        )


async def count(read: Callable[[PageRequest], Awaitable[Page[Any]]]) -> int:
    """How many rows the list `read` pages through holds."""
    page = await read(PageRequest(first=0))
    return await page.total_count()


# --- the list pages ----------------------------------------------------------


def roster(
    actor: Actor, where: institutions.InstitutionFilter, ordering: Ordering
) -> Table:
    """The roster's institutions, as the roster filters and orders them."""

    async def read(request: PageRequest) -> Page[Institution]:
        return await institutions.search_institutions(actor, where, ordering, request)

    async def rows() -> AsyncIterator[Row]:
        async for batch in batches(read):
            ids = [institution.id for institution in batch]
            villages = await organisation.records(
                actor, Village, (i.village_id for i in batch if i.village_id)
            )
            districts = await organisation.records(
                actor, District, (v.district_id for v in villages.values())
            )
            instructors = await institutions.instructors_of(actor, ids)
            supervision = await institutions.supervision_of(actor, ids)
            for institution in batch:
                village = villages.get(institution.village_id)
                district = districts.get(village.district_id) if village else None
                yield [
                    institution.registered_name,
                    institution.signboard_name,
                    institution.credit_code,
                    institution.category,
                    institution.address,
                    village.name if village else None,
                    district.name if district else None,
                    institution.license_status,
                    institution.operating_status,
                    [person.name for person in instructors.get(institution.id, [])],
                    institution.card,
                    institution.list_name,
                    supervision.last_inspected.get(institution.id),
                    supervision.open_cases.get(institution.id, 0),
                ]

    return Table(
        _("Institutions"),
        [
            _("Registered name"),
            _("Sign-board name"),
            _("Unified social credit code"),
            _("Category"),
            _("Address"),
            _("Village"),
            _("Management district"),
            _("License status"),
            _("Operating status"),
            _("Party-building instructor"),
            _("Card"),
            _("List"),
            _("Last inspection"),
            _("Open cases"),
        ],
        rows(),
        read,
    )


def ledger(actor: Actor, where: cases.CaseFilter) -> Table:
    """The case ledger's cases, newest first, as its filters select them."""

    async def read(request: PageRequest) -> Page[Any]:
        return await cases.search_cases(actor, where, request)

    async def rows() -> AsyncIterator[Row]:
        async for batch in batches(read):
            late = await cases.days_late(actor, [case.id for case in batch])
            names = await _names(actor, Institution, batch, "institution_id")
            villages = await _names(actor, Village, batch, "village_id")
            for case in batch:
                yield [
                    case.id,
                    names.get(case.institution_id),
                    villages.get(case.village_id),
                    case.kind,
                    case.state,
                    case.reported_on,
                    late.get(case.id),
                ]

    return Table(
        _("Case ledger"),
        [
            _("Case"),
            _("Institution"),
            _("Village"),
            _("Kind"),
            _("State"),
            _("Reported on"),
            _("Days overdue"),
        ],
        rows(),
        read,
    )


def audit_trail(actor: Actor, where: audit.AuditFilter) -> Table:
    """The audit trail's entries, newest first, with what each changed."""

    async def read(request: PageRequest) -> Page[Any]:
        return await audit.list_entries(actor, where, request)

    async def rows() -> AsyncIterator[Row]:
        async for batch in batches(read):
            for entry in batch:
                yield [
                    entry.at,
                    entry.actor,
                    entry.action,
                    entry.record_type,
                    entry.record_id,
                    _changes(entry.before or {}, entry.after or {}),
                ]

    return Table(
        _("Audit trail"),
        [_("When"), _("Who"), _("What"), _("Record"), _("Record id"), _("Changes")],
        rows(),
        read,
    )


def _changes(before: dict, after: dict) -> str:
    """`field: then → now` for each field an entry changed, one a line."""
    return "\n".join(
        f"{name}: {_plain(before.get(name))} → {_plain(after.get(name))}"
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name) and name not in ("version", "id")
    )


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def people(actor: Actor, where: organisation.PersonFilter) -> Table:
    """People by name, their phone numbers as `actor` may see them."""

    async def read(request: PageRequest) -> Page[Any]:
        return await organisation.list_people(actor, where, request)

    async def rows() -> AsyncIterator[Row]:
        async for batch in batches(read):
            units = await _names(actor, Unit, batch, "unit_id")
            schools = await _names(actor, School, batch, "school_id")
            for person in batch:
                yield [
                    person.name,
                    person.title,
                    units.get(person.unit_id) or schools.get(person.school_id),
                    organisation.visible_phone(actor, person.phone),
                ]

    return Table(
        _("People"), [_("Name"), _("Title"), _("Works for"), _("Phone")], rows(), read
    )


def reports_from_the_public(actor: Actor, where: complaints.ComplaintFilter) -> Table:
    """Reports from the public, newest first; without the reporters' contacts."""

    async def read(request: PageRequest) -> Page[Any]:
        return await complaints.list_complaints(actor, where, request)

    async def rows() -> AsyncIterator[Row]:
        async for batch in batches(read):
            for complaint in batch:
                yield [
                    complaint.reference,
                    complaint.received_at,
                    complaint.institution_name,
                    complaint.concern,
                    complaint.state,
                    complaint.case_id,
                ]

    return Table(
        _("Reports from the public"),
        [
            _("Reference"),
            _("Received"),
            _("Institution"),
            _("About"),
            _("State"),
            _("Case"),
        ],
        rows(),
        read,
    )


def recent_inspections(actor: Actor, where: inspections.InspectionFilter) -> Table:
    """Inspections, the latest first, as the supervision desk lists them."""

    async def read(request: PageRequest) -> Page[Any]:
        return await inspections.search_inspections(actor, where, request)

    async def rows() -> AsyncIterator[Row]:
        async for batch in batches(read):
            names = await _names(actor, Institution, batch, "institution_id")
            inspectors = await _names(actor, Person, batch, "instructor_id")
            for inspection in batch:
                yield [
                    inspection.inspected_on,
                    names.get(inspection.institution_id),
                    inspectors.get(inspection.instructor_id),
                    inspection.score,
                    inspection.card,
                ]

    return Table(
        _("Inspections"),
        [
            _("Date"),
            _("Institution"),
            _("Party-building instructor"),
            _("Score"),
            _("Card it earned"),
        ],
        rows(),
        read,
    )


def villages(actor: Actor, where: organisation.VillageFilter) -> Table:
    """Villages by name, with their district and social supervisors."""

    async def read(request: PageRequest) -> Page[Any]:
        return await organisation.list_villages(actor, where, request)

    async def rows() -> AsyncIterator[Row]:
        async for batch in batches(read):
            districts = await _names(actor, District, batch, "district_id")
            supervisors = await organisation.supervisors_of(
                actor, [village.id for village in batch]
            )
            for village in batch:
                yield [
                    village.name,
                    districts.get(village.district_id),
                    [person.name for person in supervisors.get(village.id, [])],
                ]

    return Table(
        _("Villages"),
        [_("Village"), _("Management district"), _("Social supervisors")],
        rows(),
        read,
    )


async def _names(
    actor: Actor, model: type, rows: Iterable[Any], column: str
) -> dict[int, str]:
    """The names of the records `rows` point to through `column`, as the list
    pages show them."""
    ids = {getattr(row, column) for row in rows} - {None}
    found = await organisation.records(actor, model, ids)
    name = "registered_name" if model is Institution else "name"
    return {key: getattr(record, name) for key, record in found.items()}


# --- the integrators' full export -------------------------------------------


@dataclass(frozen=True)
class Part:
    """A part of each institution's file in the full export: its name in the
    JSON, its sheet's title and headers in the workbook."""

    key: str
    title: str
    headers: list[str]
    fields: list[str]  # the JSON's names for the columns, one per header


def parts() -> list[Part]:
    """The parts of the full export, the institutions themselves first."""
    return [
        Part(
            "institution",
            _("Institutions"),
            [
                _("Institution id"),
                _("Registered name"),
                _("Sign-board name"),
                _("Unified social credit code"),
                _("Category"),
                _("Address"),
                _("Village"),
                _("Management district"),
                _("License status"),
                _("Operating status"),
                _("Card"),
                _("List"),
            ],
            [
                "id",
                "registeredName",
                "signboardName",
                "creditCode",
                "category",
                "address",
                "village",
                "district",
                "licenseStatus",
                "operatingStatus",
                "card",
                "listName",
            ],
        ),
        Part(
            "documents",
            _("Documents"),
            [
                _("Institution id"),
                _("Document"),
                _("Status"),
                _("Number"),
                _("Issued on"),
                _("Valid until"),
                _("Revoked on"),
            ],
            [
                "institutionId",
                "kind",
                "status",
                "number",
                "issuedOn",
                "validUntil",
                "revokedOn",
            ],
        ),
        Part(
            "instructors",
            _("Party-building instructor"),
            [_("Institution id"), _("Person id"), _("Name")],
            ["institutionId", "id", "name"],
        ),
        Part(
            "inspections",
            _("Inspections"),
            [
                _("Institution id"),
                _("Inspection id"),
                _("Date"),
                _("Score"),
                _("Card it earned"),
                _("Veto item breached"),
            ],
            ["institutionId", "id", "inspectedOn", "score", "card", "vetoed"],
        ),
        Part(
            "cases",
            _("Cases"),
            [
                _("Institution id"),
                _("Case"),
                _("Kind"),
                _("State"),
                _("Reported on"),
            ],
            ["institutionId", "id", "kind", "state", "reportedOn"],
        ),
    ]


def _visible(actor: Actor) -> Callable[[PageRequest], Awaitable[Page[Institution]]]:
    async def read(request: PageRequest) -> Page[Institution]:
        return await paginate(institutions.visible_institutions(actor), BY_ID, request)

    return read


async def count_institutions(actor: Actor) -> int:
    """How many institutions the full export of `actor` holds."""
    return await count(_visible(actor))


async def institution_files(actor: Actor) -> AsyncIterator[list[dict[str, Any]]]:
    """Every institution `actor` sees, by id, with its parts, in batches.

    Each institution is a dict of plain values: its own fields under
    `institution`, and a list of rows under each other part's key, each row
    in the order of that part's headers. A batch costs six statements
    whatever the length of the institutions' histories.
    """
    require(actor, Permission.READ_INSTITUTIONS)
    async for batch in batches(_visible(actor)):
        ids = [institution.id for institution in batch]
        villages = await organisation.records(
            actor, Village, (i.village_id for i in batch if i.village_id)
        )
        districts = await organisation.records(
            actor, District, (v.district_id for v in villages.values())
        )
        documents = await institutions.documents_of(actor, ids)
        instructors = await institutions.instructors_of(actor, ids)
        inspected = await _grouped(
            inspections.visible_inspections(actor), ids, "inspected_on"
        )
        cases_of = (
            await _grouped(cases.visible_cases(actor), ids, "reported_on")
            if actor.can(Permission.READ_CASES)
            else {}
        )
        files = []
        for institution in batch:
            village = villages.get(institution.village_id)
            district = districts.get(village.district_id) if village else None
            key = institution.id
            files.append(
                {
                    "institution": [
                        key,
                        institution.registered_name,
                        institution.signboard_name,
                        institution.credit_code,
                        institution.category,
                        institution.address,
                        village.name if village else None,
                        district.name if district else None,
                        institution.license_status,
                        institution.operating_status,
                        institution.card,
                        institution.list_name,
                    ],
                    "documents": [
                        [
                            key,
                            document.kind,
                            document.status,
                            document.number,
                            document.issued_on,
                            document.valid_until,
                            document.revoked_on,
                        ]
                        for document in documents.get(key, [])
                    ],
                    "instructors": [
                        [key, person.id, person.name]
                        for person in instructors.get(key, [])
                    ],
                    "inspections": [
                        [
                            key,
                            inspection.id,
                            inspection.inspected_on,
                            inspection.score,
                            inspection.card,
                            inspection.vetoed,
                        ]
                        for inspection in inspected.get(key, [])
                    ],
                    "cases": [
                        [key, case.id, case.kind, case.state, case.reported_on]
                        for case in cases_of.get(key, [])
                    ],
                }
            )
        yield files


async def _grouped(rows, institution_ids: list[int], day: str) -> dict[int, list]:
    """`rows` of the institutions, grouped by institution, in date order."""
    found = await rows.filter(institution_id__in=institution_ids).order_by(day, "id")
    grouped: dict[int, list] = {}
    for row in found:
        grouped.setdefault(row.institution_id, []).append(row)
    return grouped


def json_value(value: Any) -> Any:
    """A plain value as JSON writes it: dates in ISO 8601, scores as numbers."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value
