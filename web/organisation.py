"""The subdistrict page: who leads, who patrols where, who is posted where."""

from starlette.requests import Request
from starlette.responses import Response

from server import institutions, organisation
from server.models import District, Person
from server.pagination import PageRequest
from server.permissions import Actor
from web.forms import actor
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
