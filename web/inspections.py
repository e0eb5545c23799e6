"""Inspection pages: the instructor's form, the running score, each inspection
with its items, and confirming a finding fixed."""

from decimal import Decimal

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server import evidence, inspections, scoring, standing
from server.clock import today
from server.errors import Refused
from server.inspections import FindingInput, InspectionInput
from server.models import ItemKind
from server.permissions import Permission, require
from server.scoring import ResultInput
from web.editing import Submitted, refusal_errors
from web.forms import actor, read_form
from web.templating import render

MAX_PHOTOS = 5


async def new_inspection_page(request: Request) -> Response:
    """An inspection as recorded on the spot, item by item, on a phone."""
    reader = actor(request)
    require(reader, Permission.RECORD_INSPECTIONS)
    template = await scoring.current_template(reader)
    if request.method == "GET":
        values = {
            "inspectedOn": today().isoformat(),
            "institution": request.query_params.get("institution", ""),
        }
        return await _form(request, template, values, {})

    form = await read_form(request, files=MAX_PHOTOS)
    submitted = Submitted(form)
    data = _inspection_input(submitted, template)
    photos = [
        (upload.filename, await upload.read())
        for upload in form.getlist("photos")
        if not isinstance(upload, str) and upload.filename
    ]
    await form.close()
    if submitted.errors:
        return await _form(request, template, form, submitted.errors, 422)
    try:
        # Every photo is checked first, so a bad file refuses the whole
        # inspection rather than leave one saved without its photos.
        for _name, data_bytes in photos:
            evidence.check_file(data_bytes)
        inspection = await inspections.record_inspection(
            reader, data, standing.Thresholds.of(request.app.state.settings)
        )
        for name, data_bytes in photos:
            await evidence.store(
                reader,
                request.app.state.settings.evidence_folder,
                name,
                data_bytes,
                inspection_id=inspection.id,
            )
    except Refused as refused:
        errors = refusal_errors(refused, _form_names(template))
        return await _form(request, template, form, errors, 422)
    url = request.app.url_path_for("inspection", inspection_id=inspection.id)
    return RedirectResponse(url, 303)


def _inspection_input(
    submitted: Submitted, template: scoring.Template
) -> InspectionInput:
    """The form's items as results and findings; an untouched item was met."""
    results, findings = [], []
    for item in template.items:
        result = _result(submitted, item)
        if result is not None:
            results.append(result)
        if submitted.text(f"fix.{item.id}") or submitted.text(f"deadline.{item.id}"):
            findings.append(
                FindingInput(
                    item_id=item.id,
                    text=submitted.text(f"fixText.{item.id}"),
                    deadline=submitted.day(f"deadline.{item.id}"),
                    serious=bool(submitted.text(f"serious.{item.id}")),
                )
            )
    return InspectionInput(
        institution_id=submitted.optional_id("institution") or 0,
        inspected_on=submitted.day("inspectedOn") or today(),
        notes=submitted.text("notes"),
        results=tuple(results),
        findings=tuple(findings),
    )


def _result(submitted: Submitted, item) -> ResultInput | None:
    points = submitted.text(f"points.{item.id}").strip()
    breached = item.kind == ItemKind.VETO and bool(
        submitted.text(f"breached.{item.id}")
    )
    note = submitted.text(f"note.{item.id}")
    if not (points or breached or note.strip()):
        return None
    return ResultInput(item.id, points or Decimal(0), breached, note)  # type: ignore[arg-type]


def _form_names(template: scoring.Template) -> dict[str, str]:
    """The domain's field names for an item's parts, as the form names them."""
    names = {"institution": "institution", "inspectedOn": "inspectedOn"}
    for item in template.items:
        names |= {
            f"results.{item.id}": f"points.{item.id}",
            f"results.{item.id}.note": f"note.{item.id}",
            f"findings.{item.id}": f"points.{item.id}",
            f"findings.{item.id}.text": f"fixText.{item.id}",
            f"findings.{item.id}.deadline": f"deadline.{item.id}",
        }
    return names


async def _form(
    request: Request,
    template: scoring.Template,
    values,
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    reader = actor(request)
    institutions = await inspections.inspectable_institutions(reader)
    return render(
        request,
        "staff/inspection_form.html",
        {
            "template": template,
            "values": values,
            "errors": errors,
            "institution_options": [(i.id, i.registered_name) for i in institutions],
            "score": _running_score(template, values),
            "today": today(),
        },
        status_code=status_code,
    )


async def running_score(request: Request) -> Response:
    """The score the form adds up to so far, for htmx to show as one types."""
    reader = actor(request)
    template = await scoring.current_template(reader)
    return render(
        request,
        "staff/inspection_form.html",
        {"score": _running_score(template, request.query_params)},
        block="score",
    )


def _running_score(template: scoring.Template, values) -> scoring.Score | None:
    submitted = Submitted(values)
    given = [r for item in template.items if (r := _result(submitted, item))]
    try:
        return inspections.preview_score(template, given)
    except Refused:
        return None


async def inspection_page(request: Request) -> Response:
    reader = actor(request)
    record = await inspections.inspection_record(
        reader, request.path_params["inspection_id"]
    )
    if record is None:
        raise HTTPException(404)
    return render(
        request,
        "staff/inspection.html",
        {"record": record, "errors": {}, "today": today()},
    )


async def resolve_finding(request: Request) -> Response:
    reader = actor(request)
    form = await read_form(request)
    finding_id = request.path_params["finding_id"]
    try:
        finding = await inspections.resolve_finding(
            reader,
            finding_id,
            Submitted(form).text("resolution"),
            standing.Thresholds.of(request.app.state.settings),
        )
    except Refused as refused:
        return await _finding_refused(request, finding_id, refused)
    url = request.app.url_path_for("inspection", inspection_id=finding.inspection_id)
    return RedirectResponse(f"{url}#finding-{finding.id}", 303)


async def _finding_refused(
    request: Request, finding_id: int, refused: Refused
) -> Response:
    reader = actor(request)
    inspection_id = await inspections.inspection_of_finding(reader, finding_id)
    record = await inspections.inspection_record(reader, inspection_id or 0)
    if record is None:
        raise HTTPException(404)
    errors = refusal_errors(refused, {"resolution": f"resolution.{finding_id}"})
    return render(
        request,
        "staff/inspection.html",
        {"record": record, "errors": errors, "today": today()},
        status_code=422,
    )
