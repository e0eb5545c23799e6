"""The subdistrict page: who leads, who patrols where, who is posted where."""

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server import institutions, organisation
from server import organisation_writes as organisation_edits
from server.errors import Refused
from server.models import District, Person
from server.pagination import PageRequest
from server.permissions import Actor, Permission, require
from web.editing import Submitted, conflict, refusal_errors
from web.forms import actor, read_form
from web.paging import page_links, page_request
from web.templating import render, wants_block

VILLAGES_PER_PAGE = 50
# A subdistrict has a handful of each; the page shows them all, up to the
# largest page the lists allow.
ALL = PageRequest(first=100)


async def subdistrict_page(request: Request) -> Response:
    villages = await _villages_section(request)
    if wants_block(request, "villages"):
        return render(request, "staff/subdistrict.html", villages, block="villages")

    return render(
        request,
        "staff/subdistrict.html",
        {
            "subdistrict": await organisation.home_subdistrict(),
            **await _leadership_section(actor(request)),
            **await _districts_section(actor(request)),
            **villages,
            **await _schools_section(actor(request)),
        },
    )


async def _leadership_section(reader: Actor) -> dict:
    group = await organisation.leadership_group(reader)
    if group is None:
        return {"group": None, "members": [], "office_unit": None, "people": {}}

    members = (await organisation.leadership_members(reader, [group.id])).get(
        group.id, []
    )
    return {
        "group": group,
        "members": members,
        "office_unit": await organisation.leadership_office_unit(reader, group),
        "people": await organisation.records(
            reader, Person, (member.person_id for member in members)
        ),
    }


async def _districts_section(reader: Actor) -> dict:
    districts = await organisation.list_districts(reader, ALL)
    secretary_ids = (d.secretary_id for d in districts.items if d.secretary_id)
    return {
        "districts": districts,
        "secretaries": await organisation.records(reader, Person, secretary_ids),
    }


async def _villages_section(request: Request) -> dict:
    reader = actor(request)
    page = await organisation.list_villages(
        reader,
        organisation.VillageFilter(),
        page_request(request, VILLAGES_PER_PAGE, prefix="villages_"),
    )
    village_ids = [village.id for village in page.items]
    district_ids = (v.district_id for v in page.items if v.district_id)
    return {
        "villages": page,
        "village_links": page_links(request, page, prefix="villages_"),
        "villages_total": await page.total_count(),
        "village_districts": await organisation.records(reader, District, district_ids),
        "supervisors": await organisation.supervisors_of(reader, village_ids),
    }


async def _schools_section(reader: Actor) -> dict:
    schools = await organisation.list_schools(reader, ALL)
    instructors = await organisation.instructors_of_schools(
        reader, (school.id for school in schools.items)
    )
    instructor_ids = [person.id for people in instructors.values() for person in people]
    return {
        "schools": schools,
        "instructors": instructors,
        "postings": await institutions.postings_of(reader, instructor_ids),
    }


async def edit_district_page(request: Request) -> Response:
    reader = actor(request)
    require(reader, Permission.EDIT_ORGANISATION)
    district_id = request.path_params["district_id"]
    district = (await organisation.records(reader, District, [district_id])).get(
        district_id
    )
    if district is None:
        raise HTTPException(404)
    if request.method == "GET":
        return await _district_form(request, district, {}, {})

    submitted = Submitted(await read_form(request))
    version = submitted.version()
    try:
        await organisation_edits.update_district(
            reader,
            district_id,
            version,
            name=submitted.text("name"),
            secretary_id=submitted.optional_id("secretary"),
        )
    except Refused as refused:
        changed = await conflict(reader, refused, version)
        return await _district_form(
            request,
            district,
            submitted.form,
            refusal_errors(refused) | submitted.errors,
            changed,
            409 if changed else 422,
        )
    return RedirectResponse(
        request.app.url_path_for("subdistrict") + "#districts-heading", 303
    )


async def _district_form(
    request: Request, district: District, values, errors, changed=None, status_code=200
) -> Response:
    reader = actor(request)
    people = await organisation.list_people(reader, organisation.PersonFilter(), ALL)
    return render(
        request,
        "staff/district_form.html",
        {
            "district": district,
            "values": values
            or {"name": district.name, "secretary": district.secretary_id},
            "version": (changed or {}).get("current_version") or district.version,
            "errors": errors,
            "conflict": changed,
            "people_options": [(p.id, p.name) for p in people.items],
        },
        status_code=status_code,
    )
