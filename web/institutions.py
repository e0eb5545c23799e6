"""The roster of institutions (一张清单) and the page of each institution."""

from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server import institution_writes as institution_edits
from server import institutions, organisation
from server.clock import today
from server.errors import Refused
from server.i18n import _
from server.institutions import InstitutionFilter, InstitutionSort, institution_ordering
from server.models import (
    Card,
    Category,
    District,
    DocumentKind,
    DocumentStatus,
    Institution,
    LicenseStatus,
    ListName,
    OperatingStatus,
    Village,
)
from server.pagination import Ordering, PageRequest
from server.permissions import Actor, Permission, require
from server.queries import MAX_SEARCH_LENGTH
from server.validation import unstorable
from web.editing import Submitted, conflict, refusal_errors
from web.forms import actor, read_form
from web.paging import page_links, page_request
from web.templating import render, wants_block

ROSTER_PAGE_SIZE = 20
ALL = PageRequest(first=100)


@dataclass
class RosterForm:
    """The roster's search form: what was typed, what it selects, what was wrong."""

    values: QueryParams
    errors: dict[str, str] = field(default_factory=dict)

    def selection(self) -> InstitutionFilter:
        """The filter the form asks for, leaving out (and noting) any bad field."""
        read = Submitted(self.values, self.errors)  # type: ignore[arg-type]
        return InstitutionFilter(
            text=self._text(read.text("q").strip()),
            categories=_one(read.choice("category", Category)),
            license_statuses=_one(read.choice("license_status", LicenseStatus)),
            operating_statuses=_one(read.choice("operating_status", OperatingStatus)),
            district_id=read.optional_id("district"),
            village_id=read.optional_id("village"),
            cards=_one(read.choice("card", Card)),
            list_names=_one(read.choice("list", ListName)),
        )

    def ordering(self) -> Ordering:
        """The order asked for: by name unless the reader chose another."""
        read = Submitted(self.values, self.errors)  # type: ignore[arg-type]
        sort = read.choice("sort", InstitutionSort) or InstitutionSort.NAME
        return institution_ordering(sort, descending=sort != InstitutionSort.NAME)

    def _text(self, text: str) -> str | None:
        if len(text) > MAX_SEARCH_LENGTH:
            message = _("Search text can be at most {maximum} characters long.")
            self.errors["q"] = message.format(maximum=MAX_SEARCH_LENGTH)
            return None
        if problem := unstorable(text):
            self.errors["q"] = problem
            return None
        return text or None


def _one(value: StrEnum | None) -> tuple[StrEnum, ...]:
    return () if value is None else (value,)


async def roster_page(request: Request) -> Response:
    form = RosterForm(request.query_params)
    results = await _roster_results(request, form)
    if wants_block(request, "roster-results"):
        return render(request, "staff/institutions.html", results, block="results")

    districts = await organisation.list_districts(actor(request), ALL)
    villages = await organisation.list_villages(
        actor(request), organisation.VillageFilter(), ALL
    )
    return render(
        request,
        "staff/institutions.html",
        {
            **results,
            "district_options": [(d.id, d.name) for d in districts.items],
            "village_options": [(v.id, v.name) for v in villages.items],
        },
    )


async def _roster_results(request: Request, form: RosterForm) -> dict:
    reader = actor(request)
    page = await institutions.search_institutions(
        reader,
        form.selection(),
        form.ordering(),
        page_request(request, ROSTER_PAGE_SIZE),
    )
    return {
        "form": form,
        "page": page,
        "links": page_links(request, page),
        "total": await page.total_count(),
        **await roster_details(reader, page.items),
        "export_query": export_query(request),
    }


async def roster_details(reader: Actor, rows: list[Institution]) -> dict:
    """What the roster shows beside each institution, a statement per kind."""
    ids = [institution.id for institution in rows]
    village_ids = (i.village_id for i in rows if i.village_id)
    villages = await organisation.records(reader, Village, village_ids)
    district_ids = (v.district_id for v in villages.values() if v.district_id)
    return {
        "villages_by_id": villages,
        "districts_by_id": await organisation.records(reader, District, district_ids),
        "instructors": await institutions.instructors_of(reader, ids),
        "supervision": await institutions.supervision_of(reader, ids),
    }


def export_query(request: Request) -> str:
    """The roster's filters without its paging: the export takes every row."""
    paging = ("first", "after", "last", "before")
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in paging]
    return urlencode(kept)


async def institution_page(request: Request) -> Response:
    return await show_institution(request, request.path_params["institution_id"])


async def show_institution(
    request: Request,
    institution_id: int,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    reader = actor(request)
    file = await institutions.institution_file(reader, institution_id)
    if file is None:
        raise HTTPException(404)

    teachers = []
    if reader.can(Permission.EDIT_ORGANISATION):
        page = await organisation.list_people(
            reader, organisation.PersonFilter(at_a_school=True), ALL
        )
        posted = {person.id for person in file.instructors}
        teachers = [(p.id, p.name) for p in page.items if p.id not in posted]
    return render(
        request,
        "staff/institution.html",
        {
            "file": file,
            "teachers": teachers,
            "errors": errors or {},
            "today": today(),
        },
        status_code=status_code,
    )


# --- creating and editing ---------------------------------------------------------

DOCUMENT_STATES = ("HELD", "APPLIED")


async def new_institution_page(request: Request) -> Response:
    reader = actor(request)
    require(reader, Permission.EDIT_ORGANISATION)
    if request.method == "GET":
        return await _institution_form(request, values={}, errors={})

    submitted = Submitted(await read_form(request))
    data, kinds = _institution_input(submitted)
    if submitted.errors:
        return await _institution_form(request, submitted.form, submitted.errors, 422)
    try:
        institution = await institution_edits.create_institution(reader, data)
    except Refused as refused:
        errors = refusal_errors(refused, _document_fields(kinds))
        return await _institution_form(request, submitted.form, errors, 422)
    return RedirectResponse(_page_of(request, institution.id), 303)


async def edit_institution_page(request: Request) -> Response:
    reader = actor(request)
    require(reader, Permission.EDIT_ORGANISATION)
    institution_id = request.path_params["institution_id"]
    if request.method == "GET":
        file = await institutions.institution_file(reader, institution_id)
        if file is None:
            raise HTTPException(404)
        return await _institution_form(request, _values_of(file), {}, editing=file)

    submitted = Submitted(await read_form(request))
    data, kinds = _institution_input(submitted)
    version = submitted.version()
    file = await institutions.institution_file(reader, institution_id)
    if file is None:
        raise HTTPException(404)
    if submitted.errors:
        return await _institution_form(
            request, submitted.form, submitted.errors, 422, editing=file
        )
    try:
        await institution_edits.update_institution(
            reader, institution_id, version, data
        )
    except Refused as refused:
        errors = refusal_errors(refused, _document_fields(kinds))
        return await _institution_form(
            request,
            submitted.form,
            errors,
            409 if refused.current else 422,
            editing=file,
            changed_meanwhile=await conflict(reader, refused, version),
        )
    return RedirectResponse(_page_of(request, institution_id), 303)


def _institution_input(
    submitted: Submitted,
) -> tuple[institution_edits.InstitutionInput, list[DocumentKind]]:
    """The write the form asks for, and the kind of each document sent, in order."""
    documents, kinds = [], []
    for kind in DocumentKind:
        state = submitted.text(f"documents.{kind.value}.status")
        if state not in DOCUMENT_STATES:
            continue
        kinds.append(kind)
        documents.append(
            institution_edits.DocumentInput(
                kind=kind,
                status=DocumentStatus(state),
                number=submitted.text(f"documents.{kind.value}.number"),
                issued_on=submitted.day(f"documents.{kind.value}.issuedOn"),
                valid_until=submitted.day(f"documents.{kind.value}.validUntil"),
                revoked_on=submitted.day(f"documents.{kind.value}.revokedOn"),
            )
        )
    data = institution_edits.InstitutionInput(
        registered_name=submitted.text("registeredName"),
        signboard_name=submitted.text("signboardName"),
        credit_code=submitted.text("creditCode"),
        category=submitted.choice("category", Category),
        address=submitted.text("address"),
        village_id=submitted.optional_id("village"),
        operating_status=submitted.choice("operatingStatus", OperatingStatus),
        documents=documents,
    )
    return data, kinds


def _document_fields(kinds: list[DocumentKind]) -> dict[str, str]:
    """The domain numbers the documents sent; the form names them by kind."""
    renamed = {}
    for index, kind in enumerate(kinds):
        for part in ("number", "issuedOn", "validUntil", "revokedOn"):
            renamed[f"documents.{index}.{part}"] = f"documents.{kind.value}.{part}"
    return renamed


def _values_of(file: institutions.InstitutionFile) -> dict[str, str]:
    institution = file.institution
    values = {
        "registeredName": institution.registered_name,
        "signboardName": institution.signboard_name or "",
        "creditCode": institution.credit_code or "",
        "category": institution.category or "",
        "address": institution.address or "",
        "village": institution.village_id or "",
        "operatingStatus": institution.operating_status,
        "version": institution.version,
    }
    for document in file.documents:
        prefix = f"documents.{document.kind.value}"
        values[f"{prefix}.status"] = document.status
        values[f"{prefix}.number"] = document.number or ""
        values[f"{prefix}.issuedOn"] = document.issued_on or ""
        values[f"{prefix}.validUntil"] = document.valid_until or ""
        values[f"{prefix}.revokedOn"] = document.revoked_on or ""
    return values


async def _institution_form(
    request: Request,
    values,
    errors: dict[str, str],
    status_code: int = 200,
    *,
    editing: institutions.InstitutionFile | None = None,
    changed_meanwhile: dict | None = None,
) -> Response:
    reader = actor(request)
    villages = await organisation.list_villages(
        reader, organisation.VillageFilter(), ALL
    )
    version = (changed_meanwhile or {}).get("current_version") or (
        values.get("version") if values else None
    )
    return render(
        request,
        "staff/institution_form.html",
        {
            "values": values,
            "version": version,
            "errors": errors,
            "editing": editing,
            "conflict": changed_meanwhile,
            "village_options": [
                (village.id, village.name) for village in villages.items
            ],
            "document_kinds": list(DocumentKind),
        },
        status_code=status_code,
    )


def _page_of(request: Request, institution_id: int) -> str:
    return request.app.url_path_for("institution", institution_id=institution_id)


async def assign_instructor(request: Request) -> Response:
    reader = actor(request)
    institution_id = request.path_params["institution_id"]
    submitted = Submitted(await read_form(request))
    person_id = submitted.optional_id("person")
    try:
        await institution_edits.assign_instructor(
            reader, person_id or 0, institution_id
        )
    except Refused as refused:
        return await show_institution(
            request, institution_id, errors=refusal_errors(refused), status_code=422
        )
    return RedirectResponse(_page_of(request, institution_id) + "#instructors", 303)


async def unassign_instructor(request: Request) -> Response:
    reader = actor(request)
    institution_id = request.path_params["institution_id"]
    await read_form(request)
    try:
        await institution_edits.unassign_instructor(
            reader, request.path_params["person_id"], institution_id
        )
    except Refused as refused:
        return await show_institution(
            request, institution_id, errors=refusal_errors(refused), status_code=422
        )
    return RedirectResponse(_page_of(request, institution_id) + "#instructors", 303)
