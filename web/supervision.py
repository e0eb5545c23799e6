"""The supervision desk: coverage of the licensed institutions, blacklist moves
waiting for confirmation, recent inspections, and the scoring templates."""

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server import inspections, organisation, scoring, standing
from server.errors import Refused
from server.inspections import InspectionFilter
from server.models import Institution, ItemKind, Person
from server.permissions import Permission, require
from server.scoring import ItemInput
from web.editing import Submitted, refusal_errors
from web.forms import actor, read_form
from web.paging import page_links, page_request
from web.templating import render

PAGE_SIZE = 20
BLANK_ROWS = 5  # empty rows under the items, for adding new ones
MAX_ROWS = 120


async def supervision_page(request: Request) -> Response:
    reader = actor(request)
    require(reader, Permission.READ_INSTITUTIONS)
    recent = await inspections.search_inspections(
        reader, InspectionFilter(), page_request(request, PAGE_SIZE)
    )
    pending = await standing.pending_moves(
        reader, page_request(request, PAGE_SIZE, prefix="pending_")
    )

    institution_ids = {i.institution_id for i in recent.items}
    institution_ids |= {change.institution_id for change in pending.items}
    return render(
        request,
        "staff/supervision.html",
        {
            "coverage": await inspections.coverage(reader),
            "recent": recent,
            "recent_links": page_links(request, recent),
            "pending": pending,
            "pending_links": page_links(request, pending, prefix="pending_"),
            "institutions": await organisation.records(
                reader, Institution, institution_ids
            ),
            "inspectors": await organisation.records(
                reader, Person, (i.instructor_id for i in recent.items)
            ),
            "mine": await inspections.inspectable_institutions(reader),
        },
    )


# --- scoring templates -------------------------------------------------------


async def template_page(request: Request) -> Response:
    """A version of the template (the current one unless asked), and the list
    of versions; administrators edit from here."""
    reader = actor(request)
    versions = await scoring.template_versions(reader)
    asked = request.query_params.get("version", "")
    chosen = next((v for v in versions if str(v.version) == asked), None)
    template = (
        await scoring.template_by_id(reader, chosen.id)
        if chosen
        else await scoring.current_template(reader)
    )
    if template is None:
        raise HTTPException(404)
    return render(
        request,
        "staff/scoring_template.html",
        {"template": template, "versions": versions},
    )


async def edit_template_page(request: Request) -> Response:
    """Save a new version; the old one stays, with every score made under it."""
    reader = actor(request)
    require(reader, Permission.MANAGE_TEMPLATES)
    current = await scoring.current_template(reader)
    if request.method == "GET":
        return await _template_form(request, current, _values_of(current), {})

    form = await read_form(request, fields=MAX_ROWS * 4 + 10)
    submitted = Submitted(form)
    based_on = submitted.version()
    items, rows = _items_from(submitted)
    try:
        await scoring.save_template(
            reader,
            based_on,
            submitted.text("name"),
            submitted.text("note"),
            items,
        )
    except Refused as refused:
        errors = refusal_errors(refused, _row_names(rows))
        values = _form_values(submitted)
        if any(error.code == "CONFLICT" for error in refused.errors):
            values = _values_of(current)  # start again from what is saved now
        return await _template_form(request, current, values, errors, 422)
    return RedirectResponse(request.app.url_path_for("scoring_template"), 303)


def _items_from(submitted: Submitted) -> tuple[list[ItemInput], list[int]]:
    """The form's rows as items, leaving out those whose text was cleared
    (removed); and for each item, the row it came from."""
    items, rows = [], []
    for index in range(_row_count(submitted)):
        text = submitted.text(f"text.{index}").strip()
        if not text:
            continue
        kind = submitted.choice(f"kind.{index}", ItemKind) or ItemKind.STANDARD
        items.append(
            ItemInput(
                section=submitted.text(f"section.{index}"),
                text=text,
                kind=kind,
                points=submitted.text(f"points.{index}") or "0",
            )
        )
        rows.append(index)
    return items, rows


def _row_count(submitted: Submitted) -> int:
    count = submitted.text("rows")
    return min(int(count), MAX_ROWS) if count.isdigit() else 0


def _row_names(rows: list[int]) -> dict[str, str]:
    """The domain names an item's fields by its place among the items; the
    form, by its row."""
    return {
        f"items.{position}.{part}": f"{part}.{row}"
        for position, row in enumerate(rows)
        for part in ("section", "text", "points")
    }


def _values_of(template: scoring.Template) -> dict:
    values = {
        "name": template.template.name,
        "note": "",
        "version": template.template.version,
        "rows": [
            {
                "section": item.section,
                "text": item.text,
                "kind": item.kind.value,
                "points": str(item.points),
            }
            for item in template.items
        ],
    }
    values["rows"] += [_blank_row(values["rows"])] * BLANK_ROWS
    return values


def _form_values(submitted: Submitted) -> dict:
    count = _row_count(submitted)
    rows = [
        {
            "section": submitted.text(f"section.{index}"),
            "text": submitted.text(f"text.{index}"),
            "kind": submitted.text(f"kind.{index}"),
            "points": submitted.text(f"points.{index}"),
        }
        for index in range(count)
    ]
    return {
        "name": submitted.text("name"),
        "note": submitted.text("note"),
        "version": submitted.version(),
        "rows": rows,
    }


def _blank_row(rows: list[dict]) -> dict:
    last_section = rows[-1]["section"] if rows else ""
    return {"section": last_section, "text": "", "kind": "STANDARD", "points": ""}


async def _template_form(
    request: Request,
    current: scoring.Template,
    values: dict,
    errors: dict,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "staff/scoring_template_form.html",
        {"current": current, "values": values, "errors": errors},
        status_code=status_code,
    )
