"""Member units and schools: lists of names, added to and renamed in place."""

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server import organisation
from server import organisation_writes as organisation_edits
from server.errors import Refused
from server.i18n import N_, gettext
from server.pagination import PageRequest
from web.editing import Submitted, conflict, refusal_errors
from web.forms import actor, read_form
from web.templating import render

ALL = PageRequest(first=100)


@dataclass(frozen=True)
class NamedList:
    """What differs between the page of units and the page of schools."""

    route: str
    title: str
    new_label: str
    list_all: Any
    create: Any
    rename: Any


UNITS = NamedList(
    route="units",
    title=N_("Member units"),
    new_label=N_("New member unit"),
    list_all=organisation.list_units,
    create=organisation_edits.create_unit,
    rename=organisation_edits.update_unit,
)
SCHOOLS = NamedList(
    route="schools",
    title=N_("Schools"),
    new_label=N_("New school"),
    list_all=organisation.list_schools,
    create=organisation_edits.create_school,
    rename=organisation_edits.update_school,
)


def pages(kind: NamedList):
    """The endpoints of one list: show, create, rename."""

    async def show(request: Request) -> Response:
        return await _page(request, kind)

    async def create(request: Request) -> Response:
        submitted = Submitted(await read_form(request))
        try:
            await kind.create(actor(request), submitted.text("name"))
        except Refused as refused:
            return await _page(request, kind, new_errors=refusal_errors(refused))
        return RedirectResponse(request.app.url_path_for(kind.route), 303)

    async def rename(request: Request) -> Response:
        reader = actor(request)
        record_id = request.path_params["record_id"]
        submitted = Submitted(await read_form(request))
        version = submitted.version()
        try:
            await kind.rename(reader, record_id, version, submitted.text("name"))
        except Refused as refused:
            details = await conflict(reader, refused, version)
            return await _page(
                request,
                kind,
                row_errors={record_id: refusal_errors(refused)},
                changed=details,
            )
        return RedirectResponse(request.app.url_path_for(kind.route), 303)

    return show, create, rename


async def _page(
    request: Request,
    kind: NamedList,
    *,
    new_errors: dict[str, str] | None = None,
    row_errors: dict[int, dict[str, str]] | None = None,
    changed: dict | None = None,
) -> Response:
    records = await kind.list_all(actor(request), ALL)
    refused = bool(new_errors or row_errors)
    return render(
        request,
        "staff/named_list.html",
        {
            "kind": kind,
            "title": gettext(kind.title),
            "new_label": gettext(kind.new_label),
            "records": records.items,
            "new_errors": new_errors or {},
            "row_errors": row_errors or {},
            "conflict": changed,
        },
        status_code=(409 if changed else 422) if refused else 200,
    )
