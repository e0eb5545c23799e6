"""The roster of institutions (一张清单) and the page of each institution."""

from dataclasses import dataclass, field
from enum import StrEnum

from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from server import institutions, organisation
from server.i18n import _
from server.institutions import InstitutionFilter, InstitutionSort, institution_ordering
from server.models import Category, District, LicenseStatus, OperatingStatus, Village
from server.pagination import PageRequest
from server.queries import MAX_SEARCH_LENGTH
from web.forms import actor
from web.labels import choices
from web.paging import page_links, page_request
from web.templating import render, wants_block

ROSTER_PAGE_SIZE = 20
ALL = PageRequest(first=100)


@dataclass
class RosterForm:
    """The roster's search form: what was typed, what it selects, what was wrong."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, params: QueryParams) -> "RosterForm":
        names = (
            "q",
            "category",
            "license_status",
            "operating_status",
            "district",
            "village",
        )
        return cls(values={name: params.get(name, "").strip() for name in names})

    def selection(self) -> InstitutionFilter:
        """The filter the form asks for, leaving out (and noting) any bad field."""
        return InstitutionFilter(
            text=self._text(),
            categories=self._choice("category", Category),
            license_statuses=self._choice("license_status", LicenseStatus),
            operating_statuses=self._choice("operating_status", OperatingStatus),
            district_id=self._listed_id("district"),
            village_id=self._listed_id("village"),
        )

    def _text(self) -> str | None:
        text = self.values["q"]
        if len(text) > MAX_SEARCH_LENGTH:
            message = _("Search text can be at most {maximum} characters long.")
            self.errors["q"] = message.format(maximum=MAX_SEARCH_LENGTH)
            return None
        return text or None

    def _choice(self, name: str, enum: type[StrEnum]) -> tuple:
        value = self.values[name]
        if not value:
            return ()
        if value not in enum.__members__:
            accepted = "、".join(label for _value, label in choices(enum))
            self.errors[name] = _("Choose one of: {accepted}.").format(
                accepted=accepted
            )
            return ()
        return (enum(value),)

    def _listed_id(self, name: str) -> int | None:
        value = self.values[name]
        if not value:
            return None
        if not value.isdigit():
            self.errors[name] = _("Choose one from the list.")
            return None
        return int(value)


async def roster_page(request: Request) -> Response:
    form = RosterForm.read(request.query_params)
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
        {**results, "districts": districts.items, "villages": villages.items},
    )


async def _roster_results(request: Request, form: RosterForm) -> dict:
    reader = actor(request)
    page = await institutions.search_institutions(
        reader,
        form.selection(),
        institution_ordering(InstitutionSort.NAME),
        page_request(request, ROSTER_PAGE_SIZE),
    )
    ids = [institution.id for institution in page.items]
    village_ids = (i.village_id for i in page.items if i.village_id)
    villages = await organisation.records(reader, Village, village_ids)
    district_ids = (v.district_id for v in villages.values() if v.district_id)
    return {
        "form": form,
        "page": page,
        "links": page_links(request, page),
        "total": await page.total_count(),
        "villages_by_id": villages,
        "districts_by_id": await organisation.records(reader, District, district_ids),
        "instructors": await institutions.instructors_of(reader, ids),
    }


async def institution_page(request: Request) -> Response:
    file = await institutions.institution_file(
        actor(request), request.path_params["institution_id"]
    )
    if file is None:
        raise HTTPException(404)
    return render(request, "staff/institution.html", {"file": file})
