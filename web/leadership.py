"""The leadership group's page for administrators: its name, its office, its seats."""

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server import organisation
from server import organisation_writes as organisation_edits
from server.errors import Refused
from server.models import LeadershipRole, OfficeRole, Person
from server.pagination import PageRequest
from server.permissions import Permission, require
from web.editing import Submitted, conflict, refusal_errors
from web.forms import actor, read_form
from web.labels import choices
from web.templating import render

ALL = PageRequest(first=100)


async def leadership_page(request: Request) -> Response:
    require(actor(request), Permission.EDIT_ORGANISATION)
    return await _page(request)


async def _page(
    request: Request,
    errors: dict[str, str] | None = None,
    changed: dict | None = None,
    status_code: int = 200,
) -> Response:
    reader = actor(request)
    group = await organisation.leadership_group(reader)
    if group is None:
        raise HTTPException(404)

    members = (await organisation.leadership_members(reader, [group.id])).get(
        group.id, []
    )
    seated = await organisation.records(reader, Person, (m.person_id for m in members))
    units = await organisation.list_units(reader, ALL)
    people = await organisation.list_people(reader, organisation.PersonFilter(), ALL)
    return render(
        request,
        "staff/leadership.html",
        {
            "group": group,
            "version": (changed or {}).get("current_version") or group.version,
            "members": members,
            "seated": seated,
            "unit_options": [(unit.id, unit.name) for unit in units.items],
            "people_options": [
                (p.id, p.name) for p in people.items if p.id not in seated
            ],
            "role_options": choices(LeadershipRole),
            "office_role_options": choices(OfficeRole),
            "errors": errors or {},
            "conflict": changed,
        },
        status_code=status_code,
    )


async def update_group(request: Request) -> Response:
    submitted = Submitted(await read_form(request))
    return await _write(
        request,
        submitted,
        lambda reader, group_id, version: organisation_edits.update_leadership_group(
            reader,
            group_id,
            version,
            name=submitted.text("name"),
            office_unit_id=submitted.optional_id("officeUnit"),
        ),
    )


async def set_seat(request: Request) -> Response:
    submitted = Submitted(await read_form(request))
    seat = organisation_edits.SeatInput(
        person_id=submitted.optional_id("person") or 0,
        role=submitted.choice("role", LeadershipRole) or LeadershipRole.MEMBER,
        title=submitted.text("title"),
        office_role=submitted.choice("officeRole", OfficeRole),
    )
    return await _write(
        request,
        submitted,
        lambda reader, group_id, version: organisation_edits.set_leadership_seat(
            reader, group_id, version, seat
        ),
    )


async def remove_seat(request: Request) -> Response:
    submitted = Submitted(await read_form(request))
    person_id = request.path_params["person_id"]
    return await _write(
        request,
        submitted,
        lambda reader, group_id, version: organisation_edits.remove_leadership_seat(
            reader, group_id, version, person_id
        ),
    )


async def _write(request: Request, submitted: Submitted, write) -> Response:
    reader = actor(request)
    group = await organisation.leadership_group(reader)
    if group is None:
        raise HTTPException(404)
    version = submitted.version()
    if submitted.errors:
        return await _page(request, submitted.errors, status_code=422)
    try:
        await write(reader, group.id, version)
    except Refused as refused:
        changed = await conflict(reader, refused, version)
        status = 409 if changed else 422
        return await _page(request, refusal_errors(refused), changed, status)
    return RedirectResponse(request.app.url_path_for("leadership"), 303)
