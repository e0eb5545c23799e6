"""A village's page: its management district, its supervisors, its institutions."""

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server import institutions, organisation
from server import organisation_writes as organisation_edits
from server.errors import Refused
from server.institutions import InstitutionFilter, InstitutionSort, institution_ordering
from server.models import District, Village
from server.pagination import PageRequest
from server.permissions import Permission
from web.editing import Submitted, conflict, refusal_errors
from web.forms import actor, read_form
from web.templating import render

ALL = PageRequest(first=100)


async def village_page(request: Request) -> Response:
    return await _page(request)


async def _page(
    request: Request,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    changed_meanwhile: dict | None = None,
) -> Response:
    reader = actor(request)
    village_id = request.path_params["village_id"]
    villages = await organisation.records(reader, Village, [village_id])
    village = villages.get(village_id)
    if village is None:
        raise HTTPException(404)

    districts = await organisation.list_districts(reader, ALL)
    supervisors = await organisation.supervisors_of(reader, [village.id])
    here = await institutions.search_institutions(
        reader,
        InstitutionFilter(village_id=village.id),
        institution_ordering(InstitutionSort.NAME),
        ALL,
    )
    context = {
        "village": village,
        "district": await _district(reader, village),
        "district_options": [(d.id, d.name) for d in districts.items],
        "supervisors": supervisors.get(village.id, []),
        "institutions": here.items,
        "errors": errors or {},
        "conflict": changed_meanwhile,
        "people": await _people_options(reader, request),
    }
    return render(request, "staff/village.html", context, status_code=status_code)


async def _district(reader, village: Village) -> District | None:
    if village.district_id is None:
        return None
    found = await organisation.records(reader, District, [village.district_id])
    return found.get(village.district_id)


async def _people_options(reader, request: Request) -> list[tuple[int, str]]:
    if not reader.can(Permission.EDIT_ORGANISATION):
        return []
    people = await organisation.list_people(reader, organisation.PersonFilter(), ALL)
    return [
        (person.id, f"{person.name}（{person.title}）" if person.title else person.name)
        for person in people.items
    ]


async def place_village(request: Request) -> Response:
    reader = actor(request)
    submitted = Submitted(await read_form(request))
    version = submitted.version()
    try:
        await organisation_edits.set_village_district(
            reader,
            request.path_params["village_id"],
            version,
            submitted.optional_id("district"),
        )
    except Refused as refused:
        return await _page(
            request,
            refusal_errors(refused),
            409 if refused.current else 422,
            await conflict(reader, refused, version),
        )
    return _back(request)


async def assign_supervisor(request: Request) -> Response:
    reader = actor(request)
    submitted = Submitted(await read_form(request))
    try:
        await organisation_edits.assign_supervisor(
            reader,
            submitted.optional_id("person") or 0,
            request.path_params["village_id"],
        )
    except Refused as refused:
        return await _page(request, refusal_errors(refused), 422)
    return _back(request, "#supervisors")


async def unassign_supervisor(request: Request) -> Response:
    reader = actor(request)
    await read_form(request)
    try:
        await organisation_edits.unassign_supervisor(
            reader, request.path_params["person_id"], request.path_params["village_id"]
        )
    except Refused as refused:
        return await _page(request, refusal_errors(refused), 422)
    return _back(request, "#supervisors")


def _back(request: Request, anchor: str = "") -> Response:
    path = request.app.url_path_for(
        "village", village_id=request.path_params["village_id"]
    )
    return RedirectResponse(path + anchor, 303)
