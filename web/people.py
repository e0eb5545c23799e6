"""People: the list, and the forms that add and edit them."""

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server import organisation
from server import organisation_writes as organisation_edits
from server.errors import Refused
from server.models import Person, School, Unit
from server.pagination import PageRequest
from server.permissions import Permission, require
from server.queries import MAX_SEARCH_LENGTH
from web.editing import Submitted, conflict, refusal_errors
from web.forms import actor, read_form
from web.paging import export_query, page_links, page_request
from web.templating import render

PEOPLE_PER_PAGE = 50
ALL = PageRequest(first=100)


def people_filter(request: Request) -> organisation.PersonFilter:
    """The people the list's search selects."""
    text = request.query_params.get("q", "").strip()[:MAX_SEARCH_LENGTH]
    return organisation.PersonFilter(text=text or None)


async def people_page(request: Request) -> Response:
    reader = actor(request)
    where = people_filter(request)
    page = await organisation.list_people(
        reader, where, page_request(request, PEOPLE_PER_PAGE)
    )
    units = await organisation.records(
        reader, Unit, (p.unit_id for p in page.items if p.unit_id)
    )
    schools = await organisation.records(
        reader, School, (p.school_id for p in page.items if p.school_id)
    )
    return render(
        request,
        "staff/people.html",
        {
            "q": where.text or "",
            "export_query": export_query(request),
            "page": page,
            "total": await page.total_count(),
            "links": page_links(request, page),
            "units": units,
            "schools": schools,
            "phone": lambda person: organisation.visible_phone(reader, person.phone),
        },
    )


async def new_person_page(request: Request) -> Response:
    reader = actor(request)
    require(reader, Permission.EDIT_ORGANISATION)
    if request.method == "GET":
        return await _form(request, {}, {})

    submitted = Submitted(await read_form(request))
    data = _person_input(submitted)
    if submitted.errors:
        return await _form(request, submitted.form, submitted.errors, 422)
    try:
        await organisation_edits.create_person(reader, data)
    except Refused as refused:
        return await _form(request, submitted.form, refusal_errors(refused), 422)
    return RedirectResponse(request.app.url_path_for("people"), 303)


async def edit_person_page(request: Request) -> Response:
    reader = actor(request)
    require(reader, Permission.EDIT_ORGANISATION)
    person_id = request.path_params["person_id"]
    person = (await organisation.records(reader, Person, [person_id])).get(person_id)
    if person is None:
        raise HTTPException(404)
    if request.method == "GET":
        return await _form(request, _values_of(person), {}, editing=person)

    submitted = Submitted(await read_form(request))
    data = _person_input(submitted)
    version = submitted.version()
    if submitted.errors:
        return await _form(
            request, submitted.form, submitted.errors, 422, editing=person
        )
    try:
        await organisation_edits.update_person(reader, person_id, version, data)
    except Refused as refused:
        return await _form(
            request,
            submitted.form,
            refusal_errors(refused),
            409 if refused.current else 422,
            editing=person,
            changed_meanwhile=await conflict(reader, refused, version),
        )
    return RedirectResponse(request.app.url_path_for("people"), 303)


def _person_input(submitted: Submitted) -> organisation_edits.PersonInput:
    return organisation_edits.PersonInput(
        name=submitted.text("name"),
        title=submitted.text("title"),
        phone=submitted.text("phone"),
        unit_id=submitted.optional_id("unit"),
        school_id=submitted.optional_id("school"),
    )


def _values_of(person: Person) -> dict:
    return {
        "name": person.name,
        "title": person.title or "",
        "phone": person.phone or "",
        "unit": person.unit_id or "",
        "school": person.school_id or "",
        "version": person.version,
    }


async def _form(
    request: Request,
    values,
    errors: dict[str, str],
    status_code: int = 200,
    *,
    editing: Person | None = None,
    changed_meanwhile: dict | None = None,
) -> Response:
    reader = actor(request)
    units = await organisation.list_units(reader, ALL)
    schools = await organisation.list_schools(reader, ALL)
    version = (changed_meanwhile or {}).get("current_version") or values.get("version")
    return render(
        request,
        "staff/person_form.html",
        {
            "values": values,
            "version": version,
            "errors": errors,
            "editing": editing,
            "conflict": changed_meanwhile,
            "unit_options": [(unit.id, unit.name) for unit in units.items],
            "school_options": [(school.id, school.name) for school in schools.items],
        },
        status_code=status_code,
    )
